"""Shared pieces for the end-to-end modules that run the AssemblyAI engine (which they choose
with `transcription_backend`, tests/conftest.py)."""

from __future__ import annotations

import asyncio
import time

import httpx
import psycopg

from tests.helpers.accounts import SignedInUser
from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.uploads import upload_file


async def start_job(
    api: httpx.AsyncClient, user: SignedInUser, text: str, mode: str = "mono", language: str = "en"
) -> str:
    key = await upload_file(
        api, user, text.encode(), filename="speech.wav", content_type="audio/wav"
    )
    response = await api.post(
        "/jobs", json={"object_key": key, "language": language, "mode": mode}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def submissions(fake: FakeAssemblyAI, text: str) -> int:
    """How many transcripts the provider was asked to make of this audio."""
    return sum(1 for t in fake.transcripts.values() if t.audio == text.encode())


async def wait_for_provider_job(database_url: str, job_id: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(database_url) as conn:
            value = conn.execute(
                "SELECT provider_job_id FROM transcription_jobs WHERE id = %s", (job_id,)
            ).fetchone()[0]
        if value is not None:
            return value
        assert time.monotonic() < deadline, "the job never reached the provider"
        await asyncio.sleep(0.1)

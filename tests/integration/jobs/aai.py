"""Shared pieces for the end-to-end modules that run the AssemblyAI engine."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import httpx
import psycopg

from tests.helpers.accounts import SignedInUser
from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.uploads import upload_file
from transcribe.settings import Settings


def engine_env(fake: FakeAssemblyAI) -> dict[str, str]:
    return {
        "TRANSCRIPTION_BACKEND": "assemblyai",
        "ASSEMBLYAI_API_KEY": fake.api_key,
        "ASSEMBLYAI_BASE_URL": fake.base_url,
        "TRANSCRIPTION_POLL_INITIAL_S": "0.1",
        "TRANSCRIPTION_POLL_MAX_S": "0.3",
    }


def with_engine(settings: Settings, fake: FakeAssemblyAI) -> Settings:
    return dataclasses.replace(
        settings,
        transcription=dataclasses.replace(
            settings.transcription,
            backend="assemblyai",
            assemblyai_api_key=fake.api_key,
            assemblyai_base_url=fake.base_url,
        ),
    )


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

"""Usage counted at completion and monthly quotas (402), through the API and a worker
with the AssemblyAI engine (the fake reports one second of audio per 1,000 bytes)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import httpx
import psycopg
import pytest

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.jobs import wait_for_status
from tests.helpers.server import serve_settings
from tests.helpers.worker import Worker
from tests.integration.jobs.aai import start_job
from transcribe.settings import Settings

QUOTA_MINUTES = 1


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    return "assemblyai"


@pytest.fixture(scope="module")
def api_settings(api_settings: Settings) -> Settings:
    auth = dataclasses.replace(api_settings.auth, quota_monthly_audio_minutes=QUOTA_MINUTES)
    return dataclasses.replace(api_settings, auth=auth)


async def completed(api: httpx.AsyncClient, user: SignedInUser, seconds: int) -> dict:
    job_id = await start_job(api, user, "x" * (seconds * 1000))
    job = await wait_for_status(api, user.headers, job_id, {"completed", "failed"})
    assert job["status"] == "completed", job
    return job


async def test_usage_counts_completed_audio_and_the_quota_stops_new_jobs(
    api: httpx.AsyncClient, worker: Worker, database_url: str
) -> None:
    user, other = await signed_in_user(api), await signed_in_user(api)
    empty = (await api.get("/usage", headers=user.headers)).json()
    month = datetime.now(UTC).date().replace(day=1).isoformat()
    assert empty["period_start"] == month and empty["audio_seconds"] == 0
    assert empty["quota_seconds"] == QUOTA_MINUTES * 60 and empty["history"] == []

    await completed(api, user, 25)
    await completed(api, user, 40)
    used = (await api.get("/usage", headers=user.headers)).json()
    assert used["audio_seconds"] == 65 and used["jobs_completed"] == 2
    assert used["history"] == [{"period_start": month, "audio_seconds": 65.0, "jobs_completed": 2}]
    assert used["period_end"] > used["period_start"]

    refused = await api.post(
        "/jobs",
        json={"object_key": "uploads/x", "language": "en", "mode": "mono"},
        headers=user.headers,
    )
    assert refused.status_code == 402 and "quota" in refused.json()["detail"]
    # Someone else's usage is theirs alone.
    assert (await api.get("/usage", headers=other.headers)).json()["audio_seconds"] == 0
    await completed(api, other, 5)

    # A per-user quota (set by an admin) overrides the default.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET quota_minutes = 10 WHERE id = %s", (user.id,))
    assert (await api.get("/usage", headers=user.headers)).json()["quota_seconds"] == 600
    await completed(api, user, 3)


async def test_a_failed_job_uses_nothing(
    api: httpx.AsyncClient, worker: Worker, fake: FakeAssemblyAI
) -> None:
    user = await signed_in_user(api)
    fake.error_transcript_of(b"y" * 5000, "no speech")
    job_id = await start_job(api, user, "y" * 5000)
    job = await wait_for_status(api, user.headers, job_id, {"completed", "failed"})
    assert job["status"] == "failed"
    assert (await api.get("/usage", headers=user.headers)).json()["jobs_completed"] == 0


async def test_registrations_are_throttled_per_client(settings: Settings) -> None:
    strict = dataclasses.replace(
        settings, auth=dataclasses.replace(settings.auth, register_max_per_client=3)
    )
    # From an address of its own: the rest of the suite registers from 127.0.0.1.
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.9")
    with serve_settings(strict) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30, transport=transport) as client:
            answers = []
            for n in range(5):
                response = await client.post(
                    "/auth/register",
                    json={"email": f"burst-{n}-{id(client)}@example.com", "password": "x" * 12},
                )
                answers.append(response.status_code)
            assert answers == [201, 201, 201, 429, 429]
            assert int(response.headers["retry-after"]) > 0

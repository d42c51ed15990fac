"""The service away for longer than the provider's webhook retries: its calls are lost, yet
jobs finished meanwhile complete within a minute of the API coming back, not at the
fallback check ten minutes later. The checks come spread out, not in one burst."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import time

import httpx
import pytest

from tests.helpers.accounts import signed_in_user
from tests.helpers.catch_up import catch_up_checks
from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.jobs import wait_for_status
from tests.helpers.server import free_port, serve
from tests.helpers.worker import Worker
from tests.integration.jobs.aai import start_job, wait_for_provider_job
from transcribe.settings import Settings

SECRET = "provider-webhook-secret-for-catch-up"
FALLBACK_S = 600  # the scheduled check that would otherwise rescue a lost webhook
CHECKS_PER_S = 4
JOBS = 4


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    return "assemblyai"


@pytest.fixture(scope="module")
def api_settings(api_settings: Settings, port: int) -> Settings:
    """For an API this module starts and stops itself, on `port`."""
    transcription = dataclasses.replace(
        api_settings.transcription,
        assemblyai_webhook_secret=SECRET,
        catch_up_checks_per_s=CHECKS_PER_S,
    )
    return dataclasses.replace(
        api_settings, public_base_url=f"http://127.0.0.1:{port}", transcription=transcription
    )


@pytest.fixture(scope="module")
def worker_env(worker_env: dict[str, str], port: int) -> dict[str, str]:
    return {
        **worker_env,
        "ASSEMBLYAI_WEBHOOK_SECRET": SECRET,
        "ASSEMBLYAI_WEBHOOK_FALLBACK_S": str(FALLBACK_S),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }


async def test_jobs_done_while_the_api_was_away_complete_soon_after_it_returns(
    api_settings: Settings, fake: FakeAssemblyAI, port: int, worker: Worker, database_url: str
) -> None:
    from transcribe.app import create_app

    url = f"http://127.0.0.1:{port}"
    fake.hold_new = True
    with serve(create_app(api_settings), port=port):
        async with httpx.AsyncClient(base_url=url, timeout=30) as api:
            user = await signed_in_user(api)
            job_ids = [await start_job(api, user, f"while away {n}") for n in range(JOBS)]
            for job_id in job_ids:
                await wait_for_provider_job(database_url, job_id)
    # The API is down: the provider finishes every transcript and its calls all fail.
    sent_before = len(fake.webhooks_sent)
    fake.release_all()
    deadline = time.monotonic() + 60
    while len(fake.webhooks_sent) < sent_before + JOBS:
        assert time.monotonic() < deadline, "the provider never gave up calling"
        await asyncio.sleep(0.2)
    assert all(answer == 0 for _, answer in fake.webhooks_sent[sent_before:])
    status_requests = fake.requests["GET /v2/transcript/{id}"]

    with serve(create_app(api_settings), port=port):
        back = time.monotonic()
        async with httpx.AsyncClient(base_url=url, timeout=30) as api:
            for job_id in job_ids:
                job = await wait_for_status(
                    api, user.headers, job_id, {"completed", "failed"}, timeout=60
                )
                assert job["status"] == "completed", job
        assert time.monotonic() - back < 60 < FALLBACK_S

    # One status request per job, no more; their checks were spread at CHECKS_PER_S.
    assert fake.requests["GET /v2/transcript/{id}"] - status_requests == JOBS
    due = catch_up_checks(database_url, job_ids)
    assert len(due) == JOBS
    gaps = [later - earlier for earlier, later in itertools.pairwise(due)]
    assert all(gap >= 0.9 / CHECKS_PER_S for gap in gaps), gaps

"""A worker killed while it waits on the provider loses nothing: another worker resumes
the same provider transcript (one submission in all) and finishes the job."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import pytest

from tests.helpers.accounts import signed_in_user
from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.jobs import download_text, wait_for_status
from tests.helpers.worker import running_worker
from tests.integration.jobs.aai import start_job, submissions, wait_for_provider_job


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    return "assemblyai"


async def test_killed_worker_is_replaced_without_a_second_submission(
    api: httpx.AsyncClient,
    fake: FakeAssemblyAI,
    worker_env: dict[str, str],
    database_url: str,
    tmp_path: Path,
) -> None:
    text = "survived a crash"
    user = await signed_in_user(api)
    fake.hold_new = True  # the provider keeps it "processing" until released
    with running_worker(database_url, tmp_path / "first.log", **worker_env) as first:
        job_id = await start_job(api, user, text)
        provider_job_id = await wait_for_provider_job(database_url, job_id)
        first.kill()  # SIGKILL: no cleanup, no goodbye
        first.wait()
    assert (await api.get(f"/jobs/{job_id}", headers=user.headers)).json()["status"] == "processing"
    fake.release_all()
    with running_worker(database_url, tmp_path / "second.log", **worker_env):
        job = await wait_for_status(api, user.headers, job_id, {"completed", "failed"}, timeout=90)
    assert job["status"] == "completed", job
    assert await download_text(api, user.headers, job_id) == text + "\n"
    assert submissions(fake, text) == 1
    assert fake.transcripts[provider_job_id].audio == text.encode()


async def test_sigterm_leaves_at_once_while_the_provider_works(
    api: httpx.AsyncClient,
    fake: FakeAssemblyAI,
    worker_env: dict[str, str],
    database_url: str,
    tmp_path: Path,
) -> None:
    """No task waits on the provider, so a stopping worker has nothing to finish: it
    leaves at once, and the next worker's scheduled check completes the job."""
    text = "finish what you started"
    user = await signed_in_user(api)
    fake.hold_new = True
    with running_worker(database_url, tmp_path / "worker.log", **worker_env) as worker:
        job_id = await start_job(api, user, text)
        await wait_for_provider_job(database_url, job_id)
        await asyncio.sleep(0.5)  # a check or two while the provider works
        worker.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(worker.wait, 5)
    assert exit_code == 0
    assert (await api.get(f"/jobs/{job_id}", headers=user.headers)).json()["status"] == "processing"
    fake.release_all()
    with running_worker(database_url, tmp_path / "second.log", **worker_env):
        job = await wait_for_status(api, user.headers, job_id, {"completed", "failed"})
    assert job["status"] == "completed", job
    assert await download_text(api, user.headers, job_id) == text + "\n"
    assert submissions(fake, text) == 1

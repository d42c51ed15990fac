"""Cancels reach the provider whatever the queue does: the intent is written with the
cancel, so a queue that cannot be reached at that moment delays the provider's DELETE by a
recovery sweep, and loses nothing. A submission aborted before its id was saved is found
in the provider's list and cancelled too."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

import transcribe.app
from tests.helpers.accounts import signed_in_user
from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.server import free_port, serve
from tests.helpers.worker import Worker
from tests.integration.jobs.aai import start_job, wait_for_provider_job
from transcribe.queue import build_queue
from transcribe.settings import DatabaseSettings, Settings


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    return "assemblyai"


@pytest.fixture(scope="module")
def api_settings(api_settings: Settings) -> Settings:
    """The API's provider timeout as the worker's: a cancel with only an audio URL waits for
    a submission in flight to have had its answer (2 x the timeout + 30 s)."""
    transcription = dataclasses.replace(api_settings.transcription, assemblyai_timeout_s=1.0)
    return dataclasses.replace(api_settings, transcription=transcription)


@pytest.fixture(scope="module")
def worker_env(worker_env: dict[str, str]) -> dict[str, str]:
    return {**worker_env, "ASSEMBLYAI_TIMEOUT_S": "1"}


@pytest.fixture(scope="module")
def unqueued_api_url(api_settings: Settings) -> Iterator[str]:
    """An API process whose queue cannot be reached (its database address leads nowhere);
    its own database is fine."""
    closed = free_port()  # nothing listens there
    nowhere = dataclasses.replace(
        api_settings, db=DatabaseSettings(url=f"postgresql://postgres@127.0.0.1:{closed}/queue")
    )
    port = free_port()
    own = dataclasses.replace(api_settings, public_base_url=f"http://127.0.0.1:{port}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transcribe.app, "build_queue", lambda _, **kw: build_queue(nowhere, **kw))
        app = transcribe.app.create_app(own)
    with serve(app, port=port) as url:
        yield url


async def wait_until_deleted(fake: FakeAssemblyAI, provider_job_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not fake.transcripts[provider_job_id].deleted:
        assert time.monotonic() < deadline, "the provider's transcript was never cancelled"
        await asyncio.sleep(0.1)


def owed_cancels(database_url: str, job_id: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM provider_cancellations WHERE job_id = %s", (job_id,)
        ).fetchone()[0]


async def test_a_cancel_while_the_queue_is_unreachable_still_reaches_the_provider(
    api: httpx.AsyncClient,
    unqueued_api_url: str,
    worker: Worker,
    fake: FakeAssemblyAI,
    database_url: str,
) -> None:
    user = await signed_in_user(api)
    fake.hold_new = True
    job_id = await start_job(api, user, "cancel me while the queue is away")
    provider_job_id = await wait_for_provider_job(database_url, job_id)

    async with httpx.AsyncClient(base_url=unqueued_api_url, timeout=30) as unqueued:
        asked = time.monotonic()
        answer = await unqueued.delete(f"/jobs/{job_id}", headers=user.headers)
    assert answer.status_code == 204, answer.text
    assert time.monotonic() - asked < 15  # the queue's wait is bounded (5 s), not 30 s
    job = (await api.get(f"/jobs/{job_id}", headers=user.headers)).json()
    assert job["status"] == "cancelled"

    # The recovery sweep (every second here, for cancels due for 3 s) queues it.
    await wait_until_deleted(fake, provider_job_id, timeout=30)
    deadline = time.monotonic() + 10
    while owed_cancels(database_url, job_id):  # done, so no longer owed
        assert time.monotonic() < deadline, "the carried-out cancel stayed recorded"
        await asyncio.sleep(0.1)
    assert fake.requests["DELETE /v2/transcript/{id}"] >= 1
    fake.release_all()


async def test_a_submission_aborted_before_its_id_was_saved_is_found_and_cancelled(
    api: httpx.AsyncClient, worker: Worker, fake: FakeAssemblyAI, database_url: str
) -> None:
    """The provider accepted the job, but its answer never arrived (the request timed
    out): the job knows only the audio URL it handed over. Cancelling it then leaves the
    provider's copy to be found by that URL, as a retried submission would find it."""
    user = await signed_in_user(api)
    fake.hold_new = True
    before = set(fake.transcripts)
    fake.accept_then_drop_next(5)  # past ASSEMBLYAI_TIMEOUT_S=1
    job_id = await start_job(api, user, "cancel me before my id is known")
    deadline = time.monotonic() + 30
    while not (set(fake.transcripts) - before):
        assert time.monotonic() < deadline, "the provider never got the submission"
        await asyncio.sleep(0.05)
    (provider_job_id,) = set(fake.transcripts) - before
    with psycopg.connect(database_url) as conn:
        assert conn.execute(
            "SELECT provider_job_id FROM transcription_jobs WHERE id = %s", (job_id,)
        ).fetchone() == (None,)

    assert (await api.delete(f"/jobs/{job_id}", headers=user.headers)).status_code == 204
    # Due once a submission in flight has had its answer (2 x the 1 s timeout + 30 s).
    await wait_until_deleted(fake, provider_job_id, timeout=90)
    fake.release_all()

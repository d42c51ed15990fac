"""The API stays up, but the provider's webhooks never reach it (its address unreachable from
the provider) while the worker is down: when the worker starts again, jobs finished
meanwhile complete within a minute, not at the fallback check ten minutes later, with one
status request each, their checks spread out. On a database of the module's own, so that
no other module's jobs are caught up here."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.catch_up import catch_up_checks
from tests.helpers.database import fresh_database
from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.uploads import upload_file
from tests.helpers.worker import running_worker
from transcribe.settings import DatabaseSettings, Settings

SECRET = "provider-webhook-secret-for-worker-catch-up"
FALLBACK_S = 600
CHECKS_PER_S = 4
JOBS = 4


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    from transcribe.db.migrate import upgrade

    with fresh_database("transcribe_worker_catch_up") as url:
        upgrade(DatabaseSettings(url=url).sync_url)
        yield url


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    return "assemblyai"


@pytest.fixture(scope="module")
def api_settings(api_settings: Settings, database: str) -> Settings:
    transcription = dataclasses.replace(
        api_settings.transcription, assemblyai_webhook_secret=SECRET
    )
    return dataclasses.replace(
        api_settings,
        db=dataclasses.replace(api_settings.db, url=database),
        transcription=transcription,
    )


@pytest.fixture(scope="module")
def worker_env(worker_env: dict[str, str], api_url: str) -> dict[str, str]:
    return {
        **worker_env,
        "ASSEMBLYAI_WEBHOOK_SECRET": SECRET,
        "ASSEMBLYAI_WEBHOOK_FALLBACK_S": str(FALLBACK_S),
        "ASSEMBLYAI_CATCH_UP_PER_S": str(CHECKS_PER_S),
        "PUBLIC_BASE_URL": api_url,
    }


async def _start_job(client: httpx.AsyncClient, user: SignedInUser, text: str) -> str:
    key = await upload_file(client, user, text.encode(), "speech.wav", "audio/wav")
    created = await client.post(
        "/jobs", json={"object_key": key, "language": "en", "mode": "mono"}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _provider_ids(database: str, job_ids: list[str]) -> dict[str, str | None]:
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT id::text, provider_job_id FROM transcription_jobs WHERE id = ANY(%s::uuid[])",
            (job_ids,),
        ).fetchall()
    return dict(rows)


async def test_jobs_done_while_the_worker_was_away_complete_soon_after_it_returns(
    api: httpx.AsyncClient,
    database: str,
    fake: FakeAssemblyAI,
    worker_env: dict[str, str],
    tmp_path: Path,
) -> None:
    fake.hold_new = True
    user = await signed_in_user(api)
    with running_worker(database, tmp_path / "first.log", **worker_env):
        job_ids = [await _start_job(api, user, f"meanwhile {n}") for n in range(JOBS)]
        deadline = time.monotonic() + 30
        while None in (ids := _provider_ids(database, job_ids)).values():
            assert time.monotonic() < deadline, "the jobs never reached the provider"
            await asyncio.sleep(0.1)
    # The worker is down; the provider finishes every transcript, and its calls are lost.
    fake.drop_webhooks = True
    fake.release_all()

    log = tmp_path / "second.log"
    with running_worker(database, log, **worker_env):
        back = time.monotonic()
        for job_id in job_ids:
            while True:
                job = (await api.get(f"/jobs/{job_id}", headers=user.headers)).json()
                if job["status"] in ("completed", "failed"):
                    break
                assert time.monotonic() - back < 60, (job, log.read_text()[-3000:])
                await asyncio.sleep(0.2)
            assert job["status"] == "completed", job

    # One status request per job; their checks were spread at CHECKS_PER_S.
    assert [fake.transcripts[ids[job_id]].polls for job_id in job_ids] == [1] * JOBS
    due = catch_up_checks(database, job_ids)
    assert len(due) == JOBS
    gaps = [later - earlier for earlier, later in itertools.pairwise(due)]
    assert all(gap >= 0.9 / CHECKS_PER_S for gap in gaps), gaps

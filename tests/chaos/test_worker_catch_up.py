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
from tests.helpers.database import fresh_database
from tests.helpers.fake_assemblyai import FakeAssemblyAI, run_fake_assemblyai
from tests.helpers.server import free_port, serve
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
def provider() -> Iterator[FakeAssemblyAI]:
    with run_fake_assemblyai() as fake:
        yield fake


@pytest.fixture(scope="module")
def api(settings: Settings, database: str, provider: FakeAssemblyAI) -> Iterator[str]:
    from transcribe.app import create_app

    port = free_port()
    transcription = dataclasses.replace(
        settings.transcription,
        backend="assemblyai",
        assemblyai_api_key=provider.api_key,
        assemblyai_base_url=provider.base_url,
        assemblyai_webhook_secret=SECRET,
    )
    configured = dataclasses.replace(
        settings,
        db=dataclasses.replace(settings.db, url=database),
        public_base_url=f"http://127.0.0.1:{port}",
        transcription=transcription,
    )
    with serve(create_app(configured), port=port) as url:
        yield url


def _worker_env(provider: FakeAssemblyAI, api: str) -> dict[str, str]:
    return {
        "TRANSCRIPTION_BACKEND": "assemblyai",
        "ASSEMBLYAI_API_KEY": provider.api_key,
        "ASSEMBLYAI_BASE_URL": provider.base_url,
        "ASSEMBLYAI_WEBHOOK_SECRET": SECRET,
        "ASSEMBLYAI_WEBHOOK_FALLBACK_S": str(FALLBACK_S),
        "ASSEMBLYAI_CATCH_UP_PER_S": str(CHECKS_PER_S),
        "PUBLIC_BASE_URL": api,
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


def _catch_up_due(database: str, job_ids: list[str]) -> list[float]:
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT extract(epoch FROM scheduled_at) FROM procrastinate_jobs"
            " WHERE queueing_lock = ANY(%s) ORDER BY scheduled_at",
            ([f"transcription-catch-up:{job_id}" for job_id in job_ids],),
        ).fetchall()
    return [float(row[0]) for row in rows]


async def test_jobs_done_while_the_worker_was_away_complete_soon_after_it_returns(
    api: str, database: str, provider: FakeAssemblyAI, tmp_path: Path
) -> None:
    env = _worker_env(provider, api)
    provider.hold_new = True
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        user = await signed_in_user(client)
        with running_worker(database, tmp_path / "first.log", **env):
            job_ids = [await _start_job(client, user, f"meanwhile {n}") for n in range(JOBS)]
            deadline = time.monotonic() + 30
            while None in (ids := _provider_ids(database, job_ids)).values():
                assert time.monotonic() < deadline, "the jobs never reached the provider"
                await asyncio.sleep(0.1)
        # The worker is down; the provider finishes every transcript, and its calls are lost.
        provider.drop_webhooks = True
        provider.release_all()

        log = tmp_path / "second.log"
        with running_worker(database, log, **env):
            back = time.monotonic()
            for job_id in job_ids:
                while True:
                    job = (await client.get(f"/jobs/{job_id}", headers=user.headers)).json()
                    if job["status"] in ("completed", "failed"):
                        break
                    assert time.monotonic() - back < 60, (job, log.read_text()[-3000:])
                    await asyncio.sleep(0.2)
                assert job["status"] == "completed", job

    # One status request per job; their checks were spread at CHECKS_PER_S.
    assert [provider.transcripts[ids[job_id]].polls for job_id in job_ids] == [1] * JOBS
    due = _catch_up_due(database, job_ids)
    assert len(due) == JOBS
    gaps = [later - earlier for earlier, later in itertools.pairwise(due)]
    assert all(gap >= 0.9 / CHECKS_PER_S for gap in gaps), gaps

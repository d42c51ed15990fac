"""Deleting an account leaves nothing of the user: no row in any table, no object in
storage, no transcript at the provider (the fake saw the DELETEs)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.helpers.accounts import signed_in_user
from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.jobs import wait_for_status
from tests.helpers.worker import Worker
from tests.integration.jobs.aai import start_job, wait_for_provider_job

# Every table that holds a user's rows, and how to find them.
OWNED = {
    "users": "id = %(user)s",
    "uploads": "user_id = %(user)s",
    "transcription_jobs": "user_id = %(user)s",
    "transcripts": "job_id = ANY(%(jobs)s::uuid[])",
    "api_keys": "user_id = %(user)s",
    "refresh_tokens": "user_id = %(user)s",
    "account_tokens": "user_id = %(user)s",
    "usage_months": "user_id = %(user)s",
    "webhook_endpoints": "user_id = %(user)s",
    "webhook_deliveries": "job_id = ANY(%(jobs)s::uuid[])",
}


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    return "assemblyai"


def counts(database_url: str, user_id: str, job_ids: list[str]) -> dict[str, int]:
    with psycopg.connect(database_url) as conn:
        return {
            table: conn.execute(
                f"SELECT count(*) FROM {table} WHERE {where}",  # noqa: S608 - our own table names
                {"user": user_id, "jobs": job_ids},
            ).fetchone()[0]
            for table, where in OWNED.items()
        }


async def test_deleting_an_account_leaves_nothing(
    api: httpx.AsyncClient,
    worker: Worker,
    fake: FakeAssemblyAI,
    database_url: str,
    storage_dir: Path,
) -> None:
    user = await signed_in_user(api)
    finished = await start_job(api, user, "finished before the goodbye")
    await wait_for_status(api, user.headers, finished, {"completed"})
    fake.hold_new = True
    running = await start_job(api, user, "still at the provider")
    running_provider_id = await wait_for_provider_job(database_url, running)
    finished_provider_id = await wait_for_provider_job(database_url, finished)
    key = (await api.post("/api-keys", json={"name": "k"}, headers=user.headers)).json()["key"]
    hook = await api.post(
        "/webhook-endpoints", json={"url": "https://93.184.215.14/h"}, headers=user.headers
    )
    assert hook.status_code == 201
    jobs = [finished, running]
    before = counts(database_url, user.id, jobs)
    assert all(before[t] for t in ("users", "uploads", "transcription_jobs", "api_keys"))
    assert before["transcripts"] == 1 and before["usage_months"] == 1
    assert any((storage_dir / "uploads" / user.id).iterdir())

    other = await signed_in_user(api)  # someone else's data stays
    wrong = await api.request(
        "DELETE", "/auth/me", json={"password": "not mine"}, headers=user.headers
    )
    assert wrong.status_code == 401
    with_key = await api.request(
        "DELETE",
        "/auth/me",
        json={"password": user.password},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert with_key.status_code == 403
    gone = await api.request(
        "DELETE", "/auth/me", json={"password": user.password}, headers=user.headers
    )
    assert gone.status_code == 204, gone.text

    assert (await api.get("/auth/me", headers=user.headers)).status_code == 401
    assert (
        await api.get("/auth/me", headers={"Authorization": f"Bearer {key}"})
    ).status_code == 401
    assert set(counts(database_url, user.id, jobs).values()) == {0}
    assert (await api.get("/auth/me", headers=other.headers)).status_code == 200

    def leftover() -> list[Path]:
        return [
            p
            for folder in ("uploads", "results")
            for p in (storage_dir / folder / user.id).rglob("*")
            if p.is_file()
        ]

    deadline = time.monotonic() + 60
    while leftover() or not (
        fake.transcripts[running_provider_id].deleted
        and fake.transcripts[finished_provider_id].deleted
    ):
        assert time.monotonic() < deadline, "the purge did not finish"
        await asyncio.sleep(0.2)
    fake.release_all()

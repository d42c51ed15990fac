"""MEDIA_RETENTION_DAYS: housekeeping deletes media some days after its last job finished.

Job rows are written here directly with the times a month of use would give them; no
worker runs in this module, so nothing else touches them. (The flow with a real worker is
in tests/integration/jobs/test_jobs_flow.py.)"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.uploads import upload_file
from transcribe.settings import Settings
from transcribe.worker.housekeeping import clean_up
from transcribe.worker.runtime import WorkerRuntime

RETENTION_DAYS = 30


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[WorkerRuntime]:
    storage = dataclasses.replace(settings.storage, media_retention_days=RETENTION_DAYS)
    rt = WorkerRuntime(dataclasses.replace(settings, storage=storage))
    yield rt
    await rt.close()


@pytest.fixture
async def user(client: httpx.AsyncClient, database_url: str) -> AsyncIterator[SignedInUser]:
    user = await signed_in_user(client)
    yield user
    with psycopg.connect(database_url) as conn:  # its job rows are not the worker's business
        conn.execute("DELETE FROM transcription_jobs WHERE user_id = %s", (user.id,))


def add_job(conn: psycopg.Connection, user: SignedInUser, key: str, status: str, days_ago: float):
    conn.execute(
        "INSERT INTO transcription_jobs (id, user_id, status, language, mode, source_object_key, "
        "filename, created_at, updated_at, completed_at) VALUES (gen_random_uuid(), %s, %s, 'en', "
        "'mono', %s, 'talk.txt', now() - make_interval(days => %s + 1), "
        "now() - make_interval(days => %s), "
        "CASE WHEN %s = 'completed' THEN now() - make_interval(days => %s) END)",
        (user.id, status, key, days_ago, days_ago, status, days_ago),
    )


def age_upload(conn: psycopg.Connection, key: str, days: float) -> None:
    conn.execute(
        "UPDATE uploads SET created_at = now() - make_interval(days => %s + 1), "
        "updated_at = now() - make_interval(days => %s) WHERE object_key = %s",
        (days, days, key),
    )


def upload_state(database_url: str, key: str) -> tuple[str, bool]:
    with psycopg.connect(database_url) as conn:
        status, deleted_at = conn.execute(
            "SELECT status, media_deleted_at FROM uploads WHERE object_key = %s", (key,)
        ).fetchone()
    return status, deleted_at is not None


async def test_media_goes_after_its_last_job_and_the_rows_stay(
    client: httpx.AsyncClient,
    user: SignedInUser,
    runtime: WorkerRuntime,
    database_url: str,
    storage_dir: Path,
) -> None:
    keys = {
        name: await upload_file(client, user, name.encode(), filename=f"{name}.txt")
        for name in ("done", "failed", "recent", "running", "unused", "fresh")
    }
    with psycopg.connect(database_url) as conn:
        for key in keys.values():
            if key != keys["fresh"]:
                age_upload(conn, key, 60)
        add_job(conn, user, keys["done"], "completed", 45)
        add_job(conn, user, keys["failed"], "failed", 31)
        add_job(conn, user, keys["recent"], "completed", 50)
        add_job(conn, user, keys["recent"], "cancelled", 3)  # its last job finished lately
        add_job(conn, user, keys["running"], "processing", 40)

    await clean_up(runtime)

    gone = {"done", "failed", "unused"}
    for name, key in keys.items():
        on_disk = (storage_dir / key).exists()
        state = upload_state(database_url, key)
        if name in gone:
            assert state == ("expired", True) and not on_disk, name
        else:
            assert state == ("uploaded", False) and on_disk, name

    listed = {
        f["object_key"]: f["status"]
        for f in (await client.get("/files?limit=100", headers=user.headers)).json()["items"]
    }
    assert listed == {key: "expired" if name in gone else "uploaded" for name, key in keys.items()}
    jobs = (await client.get("/jobs?limit=100", headers=user.headers)).json()
    assert jobs["total"] == 5  # jobs stay, whatever became of their media

    again = await client.post(
        "/jobs",
        json={"object_key": keys["done"], "language": "en", "mode": "mono"},
        headers=user.headers,
    )
    assert again.status_code == 410, again.text
    assert "MEDIA_RETENTION_DAYS" in again.json()["detail"]
    assert (await client.get("/jobs", headers=user.headers)).json()["total"] == 5
    completing = await client.post(
        "/files/complete", json={"object_key": keys["done"]}, headers=user.headers
    )
    assert completing.status_code == 200 and completing.json()["status"] == "expired"
    fresh_job = await client.post(
        "/jobs",
        json={"object_key": keys["fresh"], "language": "en", "mode": "mono"},
        headers=user.headers,
    )
    assert fresh_job.status_code == 201, fresh_job.text
    removed = await client.delete(f"/files/{keys['unused']}", headers=user.headers)
    assert removed.status_code == 204
    with psycopg.connect(database_url) as conn:
        assert not conn.execute(
            "SELECT 1 FROM uploads WHERE object_key = %s", (keys["unused"],)
        ).fetchone()


async def test_retention_off_keeps_everything(
    client: httpx.AsyncClient, user: SignedInUser, settings: Settings, database_url: str
) -> None:
    assert settings.storage.media_retention_days == 0  # the default
    key = await upload_file(client, user, b"kept")
    with psycopg.connect(database_url) as conn:
        age_upload(conn, key, 3650)
    rt = WorkerRuntime(settings)
    try:
        await clean_up(rt)
    finally:
        await rt.close()
    assert upload_state(database_url, key) == ("uploaded", False)


async def test_housekeeping_works_through_every_batch(
    client: httpx.AsyncClient,
    user: SignedInUser,
    runtime: WorkerRuntime,
    database_url: str,
    storage_dir: Path,
) -> None:
    keys = [await upload_file(client, user, b"x%d" % i) for i in range(7)]
    with psycopg.connect(database_url) as conn:
        for key in keys:
            age_upload(conn, key, 40)
    await clean_up(runtime, batch=3)
    assert {upload_state(database_url, key) for key in keys} == {("expired", True)}
    assert not any((storage_dir / key).exists() for key in keys)


async def test_housekeeping_removes_every_batch_of_abandoned_uploads(
    client: httpx.AsyncClient, user: SignedInUser, runtime: WorkerRuntime, database_url: str
) -> None:
    keys = []
    for n in range(7):
        presigned = await client.post(
            "/files/presign",
            json={"filename": f"never-{n}.mp3", "size": 3, "content_type": "audio/mpeg"},
            headers=user.headers,
        )
        assert presigned.status_code == 201
        keys.append(presigned.json()["object_key"])
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE uploads SET created_at = now() - interval '3 hours' WHERE object_key = ANY(%s)",
            (keys,),
        )
    await clean_up(runtime, batch=3)  # 3 + 3 + 1: one run takes them all
    with psycopg.connect(database_url) as conn:
        left = conn.execute(
            "SELECT count(*) FROM uploads WHERE object_key = ANY(%s)", (keys,)
        ).fetchone()[0]
    assert left == 0


async def test_media_deleted_after_a_crash_between_marking_and_deleting(
    client: httpx.AsyncClient,
    user: SignedInUser,
    runtime: WorkerRuntime,
    database_url: str,
    storage_dir: Path,
) -> None:
    """An upload marked expired whose bytes are still there (the worker died in between) is
    finished on the next run."""
    key = await upload_file(client, user, b"half done")
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE uploads SET status = 'expired' WHERE object_key = %s", (key,))
    assert (storage_dir / key).exists()
    await clean_up(runtime)
    assert upload_state(database_url, key) == ("expired", True)
    assert not (storage_dir / key).exists()


async def test_a_job_being_created_keeps_its_media(
    client: httpx.AsyncClient,
    user: SignedInUser,
    runtime: WorkerRuntime,
    database_url: str,
    storage_dir: Path,
) -> None:
    """POST /jobs holds the upload's row until its job is committed: retention passes it by,
    and once the job exists the media is in use."""
    key = await upload_file(client, user, b"wanted again")
    with psycopg.connect(database_url) as conn:
        age_upload(conn, key, 90)
    with psycopg.connect(database_url) as creating:  # what POST /jobs does, held open
        creating.execute("SELECT 1 FROM uploads WHERE object_key = %s FOR SHARE", (key,))
        add_job(creating, user, key, "pending", 0)
        await asyncio.wait_for(clean_up(runtime), timeout=30)  # does not wait for the lock
        assert upload_state(database_url, key) == ("uploaded", False)
    await clean_up(runtime)
    assert upload_state(database_url, key) == ("uploaded", False)
    assert (storage_dir / key).exists()


async def test_an_admin_cannot_retry_a_job_whose_media_is_gone(
    client: httpx.AsyncClient, user: SignedInUser, runtime: WorkerRuntime, database_url: str
) -> None:
    admin = await signed_in_user(client)
    key = await upload_file(client, user, b"failed long ago")
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE users SET is_admin = true WHERE id = %s", (admin.id,))
        age_upload(conn, key, 40)
        add_job(conn, user, key, "failed", 35)
        job_id = conn.execute(
            "SELECT id::text FROM transcription_jobs WHERE source_object_key = %s", (key,)
        ).fetchone()[0]
    await clean_up(runtime)
    retry = await client.post(f"/admin/jobs/{job_id}/retry", headers=admin.headers)
    assert retry.status_code == 409, retry.text
    assert "no longer stored" in retry.json()["detail"]
    job = await client.get(f"/jobs/{job_id}", headers=user.headers)
    assert job.json()["status"] == "failed"

"""End to end with a real worker process and the stub engine on local storage."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

import httpx
import psycopg

from tests.helpers.accounts import signed_in_user
from tests.helpers.jobs import download_text, wait_for_status
from tests.helpers.uploads import upload_file
from tests.helpers.worker import Worker
from transcribe.worker.housekeeping import clean_up
from transcribe.worker.runtime import WorkerRuntime


def insert_stale_job(
    database_url: str, user_id: str, key: str, *, status: str, recovery_count: int
) -> str:
    """A job row as if its queue job were lost a minute ago (no queue job at all)."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "INSERT INTO transcription_jobs (id, user_id, status, language, mode, source_object_key, "
            "filename, recovery_count, created_at, updated_at) VALUES (gen_random_uuid(), %s, %s, "
            "'en', 'mono', %s, 'talk.txt', %s, now() - interval '1 minute', now() - interval '1 minute') "
            "RETURNING id::text",
            (user_id, status, key, recovery_count),
        ).fetchone()[0]


async def _transcribe(client: httpx.AsyncClient, user, content: bytes, mode: str, **upload) -> dict:
    key = await upload_file(client, user, content, **upload)
    response = await client.post(
        "/jobs", json={"object_key": key, "language": "en", "mode": mode}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    return await wait_for_status(
        client, user.headers, response.json()["id"], {"completed", "failed"}
    )


async def test_mono_text_upload_comes_back_as_its_transcript(
    client: httpx.AsyncClient, worker: Worker, database_url: str
) -> None:
    user = await signed_in_user(client)
    text = "The quick brown fox jumps over the lazy dog.\nTwice, in fact."
    job = await _transcribe(client, user, text.encode(), "mono")
    assert job["status"] == "completed", job
    assert job["started_at"] and job["completed_at"] and job["error_message"] is None
    assert job["started_at"] <= job["completed_at"]
    assert await download_text(client, user.headers, job["id"]) == text + "\n"
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT plain_text, diarized_json FROM transcripts WHERE job_id = %s", (job["id"],)
        ).fetchone()
    assert row == (text, None)


async def test_dialogue_gives_one_line_per_speaker_turn(
    client: httpx.AsyncClient, worker: Worker, database_url: str
) -> None:
    user = await signed_in_user(client)
    job = await _transcribe(
        client, user, b"A: Hello there.\nB: Hi! How are you?\nA: Fine.", "dialogue"
    )
    assert job["status"] == "completed", job
    assert await download_text(client, user.headers, job["id"]) == (
        "Speaker A: Hello there.\nSpeaker B: Hi! How are you?\nSpeaker A: Fine.\n"
    )
    document = (await client.get(f"/jobs/{job['id']}/transcript", headers=user.headers)).json()
    assert [(u["speaker"], u["text"]) for u in document["utterances"]] == [
        ("A", "Hello there."),
        ("B", "Hi! How are you?"),
        ("A", "Fine."),
    ]
    starts = [u["start_ms"] for u in document["utterances"]]
    assert starts == sorted(starts) and document["words"][0]["text"] == "Hello"


async def test_media_without_recognition_says_so_plainly(
    client: httpx.AsyncClient, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await _transcribe(
        client,
        user,
        b"\x00\x01RIFF fake wav bytes",
        "mono",
        filename="voice.wav",
        content_type="audio/wav",
    )
    assert job["status"] == "completed", job
    text = await download_text(client, user.headers, job["id"])
    assert "no" in text.lower() and "recognition" in text.lower()


async def test_deleting_a_completed_job_removes_transcript_and_file(
    client: httpx.AsyncClient, worker: Worker, database_url: str, storage_dir: Path
) -> None:
    user = await signed_in_user(client)
    job = await _transcribe(client, user, b"keep me until deleted", "mono")
    result_files = list(storage_dir.glob(f"results/{user.id}/{job['id']}/*"))
    assert len(result_files) == 1
    assert (await client.delete(f"/jobs/{job['id']}", headers=user.headers)).status_code == 204
    assert (await client.get(f"/jobs/{job['id']}", headers=user.headers)).status_code == 404
    assert not any(path.exists() for path in result_files)
    with psycopg.connect(database_url) as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM transcripts WHERE job_id = %s", (job["id"],)
            ).fetchone()[0]
            == 0
        )


async def test_a_job_the_api_never_queued_is_recovered(
    client: httpx.AsyncClient, worker: Worker, database_url: str
) -> None:
    """The API crashed between saving the job and deferring it: recovery queues it."""
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"lost and found")
    job_id = insert_stale_job(database_url, user.id, key, status="pending", recovery_count=0)
    job = await wait_for_status(client, user.headers, job_id, {"completed", "failed"}, timeout=60)
    assert job["status"] == "completed", job
    assert await download_text(client, user.headers, job_id) == "lost and found\n"


async def test_a_job_that_keeps_getting_lost_ends_failed(
    client: httpx.AsyncClient, worker: Worker, database_url: str
) -> None:
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"unlucky")
    job_id = insert_stale_job(database_url, user.id, key, status="processing", recovery_count=99)
    job = await wait_for_status(client, user.headers, job_id, {"completed", "failed"}, timeout=60)
    assert job["status"] == "failed"
    assert "could not be processed" in job["error_message"]


async def test_housekeeping_removes_abandoned_uploads_and_old_login_failures(
    client: httpx.AsyncClient, worker: Worker, database_url: str, storage_dir: Path
) -> None:
    user = await signed_in_user(client)
    stale = (
        await client.post(
            "/files/presign",
            json={"filename": "never.mp3", "size": 3, "content_type": "audio/mpeg"},
            headers=user.headers,
        )
    ).json()
    async with httpx.AsyncClient() as raw:  # bytes arrive, but the client never completes
        assert (
            await raw.put(stale["upload_url"], content=b"abc", headers=stale["headers"])
        ).status_code == 201
    fresh = await client.post(
        "/files/presign",
        json={"filename": "soon.mp3", "size": 3, "content_type": "audio/mpeg"},
        headers=user.headers,
    )
    completed = await upload_file(client, user, b"kept", filename="kept.txt")
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE uploads SET created_at = now() - interval '3 hours' WHERE object_key = ANY(%s)",
            ([stale["object_key"], completed],),
        )
        conn.execute(
            "INSERT INTO login_failures (key, created_at) VALUES ('email:old@x.y', now() - interval '1 day')"
        )
    deadline = time.monotonic() + 30
    while True:
        with psycopg.connect(database_url) as conn:
            keys = {
                r[0]
                for r in conn.execute(
                    "SELECT object_key FROM uploads WHERE user_id = %s", (user.id,)
                )
            }
            old_failures = conn.execute(
                "SELECT count(*) FROM login_failures WHERE key = 'email:old@x.y'"
            ).fetchone()[0]
        if stale["object_key"] not in keys and not old_failures:
            break
        assert time.monotonic() < deadline, "housekeeping did not run"
        await asyncio.sleep(0.3)
    assert keys == {fresh.json()["object_key"], completed}  # recent and completed uploads stay
    assert not (storage_dir / stale["object_key"]).exists()
    assert (storage_dir / completed).exists()


async def test_retention_deletes_the_media_and_keeps_the_transcript(
    client: httpx.AsyncClient, worker: Worker, settings, database_url: str, storage_dir: Path
) -> None:
    user = await signed_in_user(client)
    text = "Kept after the media is gone."
    job = await _transcribe(client, user, text.encode(), "mono")
    assert job["status"] == "completed", job
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE transcription_jobs SET completed_at = now() - interval '8 days', "
            "updated_at = now() - interval '8 days' WHERE id = %s",
            (job["id"],),
        )
        conn.execute(
            "UPDATE uploads SET updated_at = now() - interval '9 days' WHERE object_key = %s",
            (job["object_key"],),
        )
    storage = dataclasses.replace(settings.storage, media_retention_days=7)
    rt = WorkerRuntime(dataclasses.replace(settings, storage=storage))
    try:
        await clean_up(rt)
    finally:
        await rt.close()
    assert not (storage_dir / job["object_key"]).exists()
    assert await download_text(client, user.headers, job["id"]) == text + "\n"
    transcript = await client.get(f"/jobs/{job['id']}/transcript", headers=user.headers)
    assert transcript.json()["text"] == text
    again = await client.post(
        "/jobs",
        json={"object_key": job["object_key"], "language": "en", "mode": "mono"},
        headers=user.headers,
    )
    assert again.status_code == 410, again.text

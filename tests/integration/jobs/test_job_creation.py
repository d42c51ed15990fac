"""POST /jobs in two statements (domain/jobs/creation.py): the job, its queue job and its
`created` event are written together, as lifecycle.py writes every event, and one user's
concurrent creations each get their own event and queue job."""

from __future__ import annotations

import asyncio
import json

import httpx
import psycopg
import pytest

from tests.helpers.accounts import signed_in_user
from tests.helpers.uploads import upload_file
from transcribe.domain.jobs import lifecycle
from transcribe.domain.jobs.queueing import SUBMIT_TASK, job_lock
from transcribe.lib.text import printable


@pytest.mark.parametrize(
    "filename", ["talk.txt", 'Ада "Q" \\ it\u2019s \U0001f600 \u2028.txt'], ids=["plain", "escapes"]
)
async def test_the_job_its_queue_job_and_its_event_are_written_together(
    client: httpx.AsyncClient, database_url: str, filename: str
) -> None:
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"one statement", filename=filename)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"LISTEN {lifecycle.JOB_EVENTS_CHANNEL}")
        response = await client.post(
            "/jobs",
            json={"object_key": key, "language": "en", "mode": "mono", "keyterms": ["Tim"]},
            headers=user.headers,
        )
        assert response.status_code == 201, response.text
        heard = [json.loads(n.payload) for n in conn.notifies(timeout=2, stop_after=1)]
        job = response.json()
        assert job["filename"] == printable(filename)  # quotes and all
        events = conn.execute(
            "SELECT id, user_id::text, change, job FROM job_events WHERE job_id = %s",
            (job["id"],),
        ).fetchall()
        queued = conn.execute(
            "SELECT q.task_name, q.lock, q.queueing_lock, q.args, q.queue_name, q.priority, "
            "j.keyterms, j.updated_at = j.created_at "
            "FROM procrastinate_jobs q JOIN transcription_jobs j ON j.queue_job_id = q.id "
            "WHERE j.id = %s",
            (job["id"],),
        ).fetchone()
    lock = job_lock(job["id"])
    assert queued == (SUBMIT_TASK, lock, lock, {"job_id": job["id"]}, "default", 0, ["Tim"], True)
    [(event_id, user_id, change, event_job)] = events
    assert change == "created" and user_id == user.id
    assert json.loads(event_job) == job  # the job as the response has it
    assert heard == [
        {
            "event_id": event_id,
            "job_id": job["id"],
            "user_id": user.id,
            "status": "pending",
            "change": "created",
            "job": job,
        }
    ]


async def test_concurrent_creations_of_one_user_each_get_their_event_and_queue_job(
    client: httpx.AsyncClient, database_url: str
) -> None:
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"many at once")
    answers = await asyncio.gather(
        *(
            client.post(
                "/jobs",
                json={"object_key": key, "language": "en", "mode": "mono"},
                headers=user.headers,
            )
            for _ in range(20)
        )
    )
    assert [a.status_code for a in answers] == [201] * 20
    ids = {a.json()["id"] for a in answers}
    with psycopg.connect(database_url) as conn:
        events = conn.execute(
            "SELECT job_id::text FROM job_events WHERE user_id = %s ORDER BY id", (user.id,)
        ).fetchall()
        queued = conn.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE args->>'job_id' = ANY(%s)",
            (list(ids),),
        ).fetchone()[0]
    assert sorted(job_id for (job_id,) in events) == sorted(ids)
    assert queued == 20

"""Job events as Server-Sent Events, read with httpx-sse (a parser nobody here wrote),
through the real API and a real worker (stub engine)."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import psycopg
from httpx_sse import aconnect_sse

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.uploads import upload_file
from tests.helpers.worker import Worker
from transcribe.domain.jobs.events import EventLog, JobEventHub
from transcribe.domain.jobs.lifecycle import JOB_EVENTS_CHANNEL
from transcribe.settings import Settings

FINAL = {"completed", "failed", "cancelled"}


async def create_job(client: httpx.AsyncClient, user: SignedInUser, text: str) -> str:
    key = await upload_file(client, user, text.encode())
    response = await client.post(
        "/jobs",
        json={"object_key": key, "language": "en", "mode": "mono"},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def collapsed(statuses: list[str]) -> list[str]:
    """Statuses in order without repeats (a job sends more than one event while processing)."""
    return [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]


async def test_user_stream_shows_each_status_in_order(
    client: httpx.AsyncClient, base_url: str, worker: Worker
) -> None:
    user = await signed_in_user(client)
    seen: list[dict] = []
    opened = asyncio.Event()

    async def listen() -> None:
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=30) as sse_client,
            aconnect_sse(sse_client, "GET", "/events", headers=user.headers) as source,
        ):
            assert source.response.status_code == 200
            assert source.response.headers["content-type"].startswith("text/event-stream")
            opened.set()
            async for event in source.aiter_sse():
                if event.event == "job":
                    seen.append(json.loads(event.data))
                    if seen[-1]["status"] in FINAL:
                        return

    listener = asyncio.create_task(listen())
    await asyncio.wait_for(opened.wait(), 10)
    job_id = await create_job(client, user, "A: in order, please")
    await asyncio.wait_for(listener, 60)
    assert collapsed([job["status"] for job in seen]) == ["pending", "processing", "completed"]
    assert {job["id"] for job in seen} == {job_id}
    assert seen[-1]["completed_at"] is not None


async def test_job_stream_sends_the_state_then_ends_after_a_final_status(
    client: httpx.AsyncClient, base_url: str, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job_id = await create_job(client, user, "A: hello")
    statuses = []
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=30) as sse_client,
        aconnect_sse(sse_client, "GET", f"/jobs/{job_id}/events", headers=user.headers) as source,
    ):
        async for event in source.aiter_sse():  # ends by itself after the final status
            if event.event != "job":  # httpx-sse yields keep-alive comments as empty events
                continue
            job = json.loads(event.data)
            assert job["id"] == job_id
            statuses.append(job["status"])
    assert statuses[-1] == "completed"
    # Whatever state it was in when we came, it only moved forward from there.
    order = ["pending", "processing", "completed"]
    assert collapsed(statuses) == order[order.index(statuses[0]) :]

    # A finished job: its state at once, and the stream ends.
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as sse_client:
        response = await sse_client.get(f"/jobs/{job_id}/events", headers=user.headers)
    assert response.status_code == 200
    assert response.text.count("event: job") == 1 and '"status":"completed"' in response.text


async def test_another_users_job_stream_is_404_and_their_events_stay_theirs(
    client: httpx.AsyncClient, base_url: str, worker: Worker
) -> None:
    owner, other = await signed_in_user(client), await signed_in_user(client)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as sse_client:
        listen = asyncio.create_task(_first_events(sse_client, other, seconds=4))
        await asyncio.sleep(0.5)
        job_id = await create_job(client, owner, "mine")
        response = await client.get(f"/jobs/{job_id}/events", headers=other.headers)
        assert response.status_code == 404
        assert (await client.get(f"/jobs/{job_id}/events")).status_code == 401
        other_saw = await listen
    assert other_saw == []


async def _first_events(client: httpx.AsyncClient, user: SignedInUser, seconds: float) -> list:
    events: list = []
    try:
        async with asyncio.timeout(seconds):
            async with aconnect_sse(client, "GET", "/events", headers=user.headers) as source:
                async for event in source.aiter_sse():
                    if event.event == "job":
                        events.append(json.loads(event.data))
    except TimeoutError:
        pass
    return events


async def test_idle_stream_sends_keepalive_comments(
    client: httpx.AsyncClient, base_url: str
) -> None:
    user = await signed_in_user(client)
    received = b""
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=30) as sse_client,
        sse_client.stream("GET", "/events", headers=user.headers) as response,
    ):
        async for chunk in response.aiter_bytes():
            received += chunk
            if received.count(b": keep-alive") >= 2:
                break
    assert received.startswith(b": keep-alive")  # EVENTS_KEEPALIVE_S=1 in the tests


def _subscribers(base_url: str) -> float:
    for line in httpx.get(f"{base_url}/metrics").text.splitlines():
        if line.startswith("transcribe_event_subscribers "):
            return float(line.split()[-1])
    raise AssertionError("no subscriber gauge")


async def test_a_client_that_disconnects_is_cleaned_up(
    client: httpx.AsyncClient, base_url: str
) -> None:
    user = await signed_in_user(client)
    before = _subscribers(base_url)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as sse_client:
        async with sse_client.stream("GET", "/events", headers=user.headers) as response:
            await response.aiter_bytes().__anext__()  # connected, first keep-alive read
            assert _subscribers(base_url) == before + 1
        # closed by the client here
    deadline = time.monotonic() + 10
    while _subscribers(base_url) != before:
        assert time.monotonic() < deadline, "the subscriber was never removed"
        await asyncio.sleep(0.1)


async def test_a_slow_subscriber_is_dropped_without_stalling_others(
    settings: Settings, database_url: str
) -> None:
    """The hub itself, on the real database: one subscriber never reads, one does."""
    from uuid import uuid4

    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(settings.db.async_url)
    hub = JobEventHub(settings.db.libpq_url, EventLog(engine), buffer=3)
    user_id = uuid4()
    slow = await hub.subscribe(user_id)
    fast = await hub.subscribe(user_id)
    job = {
        "id": str(uuid4()),
        "status": "processing",
        "language": "en",
        "mode": "mono",
        "object_key": "k",
        "filename": "f.txt",
        "created_at": "2026-11-25T00:00:00Z",
        "updated_at": "2026-11-25T00:00:00Z",
        "started_at": None,
        "completed_at": None,
        "error_message": None,
        "detected_language": None,
        "audio_duration_s": None,
    }
    received = []
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            for n in range(6):
                payload = {"job_id": job["id"], "user_id": str(user_id), "status": "processing"}
                payload["job"] = {**job, "updated_at": f"2026-11-25T00:00:0{n}Z"}
                conn.execute("SELECT pg_notify(%s, %s)", (JOB_EVENTS_CHANNEL, json.dumps(payload)))
                received.append(await asyncio.wait_for(fast.queue.get(), 5))
        assert len(received) == 6 and not fast.ended
        assert slow.ended  # its buffer filled: it was told to go (and reconnect)
        drained = [slow.queue.get_nowait() for _ in range(slow.queue.qsize())]
        assert drained[-1] is None
    finally:
        await hub.close()
        await engine.dispose()

"""Event streams that resume: every event has an id that grows, a client reconnecting with
`Last-Event-ID` gets exactly what it missed and then the live events, and open streams
ride out the loss of the API's LISTEN connection. Through the real API; the job's changes
are made with the lifecycle module itself (no worker), so the events are known exactly."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.integration.jobs.test_events import create_job
from transcribe.domain.jobs import lifecycle
from transcribe.domain.jobs.events import LISTEN_APPLICATION_NAME
from transcribe.settings import Settings
from transcribe.worker.housekeeping import remove_old_events
from transcribe.worker.runtime import WorkerRuntime


@dataclasses.dataclass
class Event:
    id: int | None
    job: dict


class Stream:
    """A raw SSE reader (to see whether an event has an `id:` line of its own)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 10) -> Event | None:
        """The next `job` event, or None when the stream ends."""
        fields: dict[str, str] = {}
        async with asyncio.timeout(timeout):
            async for line in self._lines:
                if line == "":
                    if fields.get("event") == "job":
                        event_id = fields.get("id")
                        return Event(
                            int(event_id) if event_id else None, json.loads(fields["data"])
                        )
                    fields = {}
                    continue
                if line.startswith(":"):
                    continue
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
        return None

    async def take(self, n: int, timeout: float = 10) -> list[Event]:
        events = []
        for _ in range(n):
            event = await self.next(timeout)
            assert event is not None, f"the stream ended after {events}"
            events.append(event)
        return events

    async def nothing_more(self, seconds: float = 1.5) -> None:
        try:
            event = await self.next(seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected event {event}")


@asynccontextmanager
async def opened(
    base_url: str, path: str, user: SignedInUser, last_id: int | None = None, *, query=False
) -> AsyncIterator[Stream]:
    headers = dict(user.headers)
    params = {}
    if last_id is not None:
        if query:
            params["last_event_id"] = str(last_id)
        else:
            headers["Last-Event-ID"] = str(last_id)
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=30) as client,
        client.stream("GET", path, headers=headers, params=params) as response,
    ):
        assert response.status_code == 200, await response.aread()
        yield Stream(response)


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(settings.db.async_url)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def claim(sessions: async_sessionmaker[AsyncSession], job_id: str) -> None:
    async with sessions.begin() as session:
        assert await lifecycle.claim(session, UUID(job_id), "stub") is not None


async def progress(sessions: async_sessionmaker[AsyncSession], job_id: str, percent: int) -> None:
    async with sessions.begin() as session:
        assert await lifecycle.progress(session, UUID(job_id), percent) is not None


async def test_user_stream_replays_exactly_what_was_missed_then_goes_live(
    client: httpx.AsyncClient, base_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user = await signed_in_user(client)
    async with opened(base_url, "/events", user) as stream:
        await asyncio.sleep(0.3)
        job_id = await create_job(client, user, "A: resume me")
        await claim(sessions, job_id)
        await progress(sessions, job_id, 10)
        first = await stream.take(3)
    ids = [e.id for e in first]
    assert all(i is not None for i in ids) and ids == sorted(set(ids)), ids  # ids grow
    assert [e.job["status"] for e in first] == ["pending", "processing", "processing"]

    # Disconnected: two changes are missed.
    await progress(sessions, job_id, 20)
    await progress(sessions, job_id, 30)
    async with opened(base_url, "/events", user, ids[-1]) as stream:
        missed = await stream.take(2)
        await progress(sessions, job_id, 40)
        live = await stream.take(1)
        await stream.nothing_more()
    resumed = missed + live
    assert [e.job["progress"] for e in resumed] == [20, 30, 40]
    assert [e.id for e in resumed] == sorted(set(e.id for e in resumed))
    assert resumed[0].id > ids[-1]  # type: ignore[operator]

    # The query parameter does the same; the newest id: nothing to replay.
    async with opened(base_url, "/events", user, resumed[1].id, query=True) as stream:
        assert [e.id for e in await stream.take(1)] == [resumed[2].id]
        await stream.nothing_more(1)


async def test_job_stream_replays_then_skips_the_state_the_replay_covers(
    client: httpx.AsyncClient, base_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user = await signed_in_user(client)
    job_id = await create_job(client, user, "A: one job")
    path = f"/jobs/{job_id}/events"
    async with opened(base_url, path, user) as stream:
        (state,) = await stream.take(1)  # the current state, without an id
        assert state.job["status"] == "pending" and state.id is None
        await claim(sessions, job_id)
        (claimed,) = await stream.take(1)
    assert claimed.id is not None and claimed.job["status"] == "processing"

    await progress(sessions, job_id, 50)
    await progress(sessions, job_id, 70)
    async with opened(base_url, path, user, claimed.id) as stream:
        missed = await stream.take(2)
        async with sessions.begin() as session:
            await lifecycle.complete(
                session,
                UUID(job_id),
                result_object_key="r",
                detected_language="en",
                audio_duration_s=1.0,
            )
        (done,) = await stream.take(1)
        assert await stream.next() is None  # a final status ends the stream
    assert [e.job["progress"] for e in missed] == [50, 70]  # no current state after them
    assert all(e.id is not None for e in [*missed, done])
    assert done.job["status"] == "completed" and done.id > missed[-1].id  # type: ignore[operator]

    # Reconnecting after the end: nothing is missed, the stream ends at once (no duplicate).
    async with opened(base_url, path, user, done.id) as stream:
        assert await stream.next() is None
    # An unknown or too old id: the current state, without an id.
    async with opened(base_url, path, user, 1) as stream:
        state = await stream.next()
        assert state is not None and state.job["status"] == "completed" and state.id is None
        assert await stream.next() is None


async def test_a_replay_never_shows_another_users_events(
    client: httpx.AsyncClient, base_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, other = await signed_in_user(client), await signed_in_user(client)
    async with opened(base_url, "/events", other) as stream:
        await asyncio.sleep(0.3)
        theirs = await create_job(client, other, "theirs")
        (first,) = await stream.take(1)
    mine = await create_job(client, owner, "mine")
    await claim(sessions, mine)
    await claim(sessions, theirs)
    async with opened(base_url, "/events", other, first.id) as stream:
        replayed = await stream.take(1)
        await stream.nothing_more(1)
    assert [(e.job["id"], e.job["status"]) for e in replayed] == [(theirs, "processing")]
    # The owner's event id in the other user's Last-Event-ID: unknown to them, no replay.
    async with opened(base_url, "/events", owner) as stream:
        await progress(sessions, mine, 5)
        (owners,) = await stream.take(1)
    async with opened(base_url, "/events", other, owners.id) as stream:
        await stream.nothing_more(1)
    # Nor can the other user follow the owner's job.
    response = await client.get(
        f"/jobs/{mine}/events", headers={**other.headers, "Last-Event-ID": "1"}
    )
    assert response.status_code == 404


async def test_retention_deletes_old_events_and_an_old_id_replays_nothing(
    client: httpx.AsyncClient, base_url: str, settings: Settings, database_url: str
) -> None:
    user = await signed_in_user(client)
    job_id = await create_job(client, user, "A: kept a while")
    old = datetime.now(UTC) - timedelta(seconds=settings.events.retention_s + 60)
    with psycopg.connect(database_url, autocommit=True) as conn:
        (created_id,) = conn.execute(
            "SELECT id FROM job_events WHERE job_id = %s", (job_id,)
        ).fetchone()
        # Older than the retention: this job's event and every event before it.
        conn.execute("UPDATE job_events SET created_at = %s WHERE id <= %s", (old, created_id))
    async with opened(base_url, "/events", user) as stream:
        await asyncio.sleep(0.3)
        second = await create_job(client, user, "A: recent")
        (recent,) = await stream.take(1)

    rt = WorkerRuntime(settings)
    try:
        removed = await remove_old_events(rt, datetime.now(UTC), batch=3)
    finally:
        await rt.close()
    assert removed >= 1
    with psycopg.connect(database_url, autocommit=True) as conn:
        left = conn.execute(
            "SELECT count(*) FILTER (WHERE id <= %s), count(*) FILTER (WHERE id = %s)"
            " FROM job_events",
            (created_id, recent.id),
        ).fetchone()
    assert left == (0, 1)
    # A Last-Event-ID that retention removed: the job stream starts from the current state.
    async with opened(base_url, f"/jobs/{job_id}/events", user, created_id) as stream:
        state = await stream.next()
        assert state is not None and state.id is None and state.job["id"] == job_id
    # The kept one still resumes: the event after it.
    async with opened(base_url, "/events", user, created_id) as stream:
        await stream.nothing_more(1)
    assert second


def _listeners(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            (LISTEN_APPLICATION_NAME,),
        ).fetchone()[0]


async def test_open_streams_ride_out_the_loss_of_the_listen_connection(
    client: httpx.AsyncClient,
    base_url: str,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    user = await signed_in_user(client)
    job_id = await create_job(client, user, "A: through an outage")
    async with (
        opened(base_url, "/events", user) as user_stream,
        opened(base_url, f"/jobs/{job_id}/events", user) as job_stream,
    ):
        await job_stream.take(1)  # its current state
        await claim(sessions, job_id)
        before = (await user_stream.take(1))[0]
        assert (await job_stream.take(1))[0].id == before.id

        with psycopg.connect(database_url, autocommit=True) as conn:
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = %s AND datname = current_database()",
                (LISTEN_APPLICATION_NAME,),
            ).fetchone()[0]
        assert killed >= 1
        deadline = time.monotonic() + 5
        while _listeners(database_url):  # gone: what follows happens during the outage
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        await progress(sessions, job_id, 25)
        await progress(sessions, job_id, 50)

        deadline = time.monotonic() + 15
        while not _listeners(database_url):  # the hub listens again by itself
            assert time.monotonic() < deadline, "the LISTEN connection did not come back"
            await asyncio.sleep(0.05)
        await progress(sessions, job_id, 75)

        for stream in (user_stream, job_stream):
            events = await stream.take(3, timeout=15)
            assert [e.job["progress"] for e in events] == [25, 50, 75]
            ids = [before.id] + [e.id for e in events]
            assert ids == sorted(set(ids)), ids  # in order, none twice
            await stream.nothing_more(1)


async def test_the_cli_resumes_a_broken_stream_with_last_event_id(
    client: httpx.AsyncClient,
    base_url: str,
    sessions: async_sessionmaker[AsyncSession],
    capsys: pytest.CaptureFixture[str],
) -> None:
    import threading

    from transcribe_cli.api import RenewingAuth, Tokens, TranscribeApi
    from transcribe_cli.output import StatusLine
    from transcribe_cli.waiting import follow

    user = await signed_in_user(client)
    job_id = await create_job(client, user, "A: followed by the CLI")
    await claim(sessions, job_id)
    calls: list[str | None] = []

    class BreaksOnce(TranscribeApi):
        def job_events(self, job_id, idle_timeout_s=60, last_event_id=None):  # type: ignore[override]
            calls.append(last_event_id)
            for job in super().job_events(job_id, idle_timeout_s, last_event_id):
                yield job
                if len(calls) == 1 and self.last_event_id:  # the first event with an id
                    raise httpx.ReadError("the connection broke")

    api = BreaksOnce(base_url, RenewingAuth(base_url, Tokens(user.token)))
    outcome: dict = {}
    thread = threading.Thread(
        target=lambda: outcome.update(job=follow(api, job_id, StatusLine())), daemon=True
    )
    thread.start()
    try:
        await asyncio.sleep(1)
        await progress(sessions, job_id, 30)  # the stream breaks after this one
        await asyncio.sleep(0.1)
        await progress(sessions, job_id, 60)  # while it is broken
        async with sessions.begin() as session:
            await lifecycle.complete(
                session,
                UUID(job_id),
                result_object_key="r",
                detected_language="en",
                audio_duration_s=1.0,
            )
        await asyncio.to_thread(thread.join, 30)
    finally:
        api.close()
    assert outcome["job"]["status"] == "completed"
    assert calls[0] is None and calls[1] is not None and len(calls) == 2
    assert "polling" not in capsys.readouterr().err


async def test_a_long_replay_is_read_a_page_at_a_time(
    client: httpx.AsyncClient,
    base_url: str,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from transcribe.domain.jobs import events

    monkeypatch.setattr(events, "REPLAY_PAGE", 2)  # the server runs in this process
    user = await signed_in_user(client)
    async with opened(base_url, "/events", user) as stream:
        await asyncio.sleep(0.3)
        job_id = await create_job(client, user, "A: many changes")
        (created,) = await stream.take(1)
    await claim(sessions, job_id)
    for percent in (10, 20, 30, 40):
        await progress(sessions, job_id, percent)
    async with opened(base_url, "/events", user, created.id) as stream:
        replayed = await stream.take(5)
        await stream.nothing_more(1)
    assert [e.job["progress"] for e in replayed] == [None, 10, 20, 30, 40]
    assert [e.id for e in replayed] == sorted({e.id for e in replayed})


async def test_the_notification_carries_the_rows_id_and_an_uncommitted_event_is_forgotten(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    user = await signed_in_user(client)
    job_id = await create_job(client, user, "A: one row, one notification")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"LISTEN {lifecycle.JOB_EVENTS_CHANNEL}")
        session = sessions()
        assert await lifecycle.claim(session, UUID(job_id), "stub") is not None
        await session.close()  # never committed: its event goes with it
        async with session.begin():  # the same session, used again
            assert await lifecycle.claim(session, UUID(job_id), "stub") is not None
        heard = [json.loads(n.payload) for n in conn.notifies(timeout=1, stop_after=5)]
        rows = conn.execute(
            "SELECT id, change FROM job_events WHERE job_id = %s ORDER BY id", (job_id,)
        ).fetchall()
    assert [(e["event_id"], e["change"]) for e in heard] == [rows[-1]]
    assert [change for _, change in rows] == ["created", "claimed"]
    assert heard[0]["job"]["status"] == "processing"


async def test_an_event_too_big_for_a_notification_is_read_from_its_row(
    client: httpx.AsyncClient, base_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user = await signed_in_user(client)
    job_id = await create_job(client, user, "A: a long name")
    await claim(sessions, job_id)
    async with sessions.begin() as session:
        await lifecycle.complete(
            session, UUID(job_id), result_object_key="r", detected_language="en", audio_duration_s=1
        )
    names = {label: label * 1000 for label in "ABCDEFGHIJ"}  # 10 kB: past NOTIFY's limit
    async with opened(base_url, "/events", user) as stream:
        await asyncio.sleep(0.3)
        async with sessions.begin() as session:
            assert await lifecycle.rename_speakers(session, UUID(job_id), names) is not None
        (event,) = await stream.take(1)
    assert event.id is not None and event.job["speaker_names"] == names

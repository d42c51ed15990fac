"""Job events for clients: one `LISTEN` connection per API process, fanned out in memory,
and the `job_events` table for what a stream missed.

The lifecycle module writes each change's event row and sends a `NOTIFY` with its id and
the job's JSON at the commit; this hub hears it and hands it to the subscribers it concerns
(the job's owner, for all their jobs or one). Each subscriber has a bounded buffer: a client
too slow to drain it is dropped (its stream ends; it reconnects with `Last-Event-ID` and
gets the rest from the table) instead of stalling the others. When the `LISTEN` connection
is lost, the hub reconnects with backoff (0.5 s doubling to 10 s) and the streams stay
open: each is told to resync, and once the hub listens again it reads the events after the
last id it sent from the table, then goes on with the live ones, dropping those it already
sent (ids of one user grow in commit order, see lifecycle.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar.response import ServerSentEventMessage
from prometheus_client import Gauge
from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from transcribe.db import models as m
from transcribe.domain.jobs.lifecycle import JOB_EVENTS_CHANNEL
from transcribe.domain.jobs.schemas import Job

log = logging.getLogger(__name__)

SUBSCRIBERS = Gauge("transcribe_event_subscribers", "Open job event streams in this process")
LISTEN_TIMEOUT_S = 5.0
LISTEN_APPLICATION_NAME = "transcribe-job-events"
_FIRST_BACKOFF_S = 0.5
_MAX_BACKOFF_S = 10.0
REPLAY_PAGE = 500


class EventsUnavailableError(Exception):
    """The database cannot be listened to right now."""


@dataclass(frozen=True)
class JobEvent:
    id: int | None  # None: a notification without an event row (not from lifecycle.py)
    job: Job

    @cached_property
    def message(self) -> ServerSentEventMessage:
        """Encoded once, however many streams send it."""
        return _Encoded(
            ServerSentEventMessage(
                event="job",
                data=msgspec.json.encode(self.job).decode(),
                id=str(self.id) if self.id is not None else None,
            )
        )


class _Encoded(ServerSentEventMessage):
    """A message whose bytes are made once: Litestar encodes each message it sends."""

    def __init__(self, message: ServerSentEventMessage) -> None:
        super().__init__(data=message.data, event=message.event, id=message.id)
        self._encoded = message.encode()

    def encode(self) -> bytes:
        return self._encoded


class _Resync:
    """Queued for every stream when the LISTEN connection is lost: read what was missed."""


RESYNC = _Resync()
QueueItem = JobEvent | _Resync | None


def _decode(event_id: int, job_json: str) -> JobEvent:
    return JobEvent(event_id, msgspec.json.decode(job_json, type=Job))


class EventLog:
    """Reads of `job_events` (written by lifecycle.py), on the API's SQLAlchemy pool."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @staticmethod
    def _scope(user_id: UUID, job_id: UUID | None) -> list[ColumnElement[bool]]:
        scope = [m.JobEvent.user_id == user_id]
        if job_id is not None:
            scope.append(m.JobEvent.job_id == job_id)
        return scope

    async def _execute(self, statement: Any, session: AsyncSession | None) -> Any:
        """On the request's own session when there is one: a request that holds a pooled
        connection and waits for a second one could wait for ever on a small pool."""
        if session is not None:
            return await session.execute(statement)
        async with self._engine.connect() as connection:
            return await connection.execute(statement)

    async def position(
        self,
        user_id: UUID,
        job_id: UUID | None,
        last_event_id: int | None,
        session: AsyncSession | None = None,
    ) -> tuple[int, bool]:
        """The newest event id of the user (or job) now, and whether `last_event_id` is an
        event of this user that is still kept (then nothing after it is gone either:
        housekeeping deletes a prefix of the ids)."""
        newest = (
            select(func.coalesce(func.max(m.JobEvent.id), 0))
            .where(*self._scope(user_id, job_id))
            .scalar_subquery()
        )
        known = exists().where(m.JobEvent.id == (last_event_id or 0), m.JobEvent.user_id == user_id)
        row = (await self._execute(select(newest, known), session)).one()
        return int(row[0]), bool(row[1]) and last_event_id is not None

    async def after(
        self, user_id: UUID, job_id: UUID | None, after_id: int, limit: int | None = None
    ) -> list[JobEvent]:
        statement = (
            select(m.JobEvent.id, m.JobEvent.job)
            .where(*self._scope(user_id, job_id), m.JobEvent.id > after_id)
            .order_by(m.JobEvent.id)
            .limit(limit or REPLAY_PAGE)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [_decode(row.id, row.job) for row in rows]

    async def latest(
        self, job_id: UUID, at_most: int, session: AsyncSession | None = None
    ) -> JobEvent | None:
        """The job's newest event with an id up to `at_most`."""
        statement = (
            select(m.JobEvent.id, m.JobEvent.job)
            .where(m.JobEvent.job_id == job_id, m.JobEvent.id <= at_most)
            .order_by(m.JobEvent.id.desc())
            .limit(1)
        )
        row = (await self._execute(statement, session)).one_or_none()
        return _decode(row.id, row.job) if row is not None else None

    async def get(self, event_id: int) -> JobEvent | None:
        statement = select(m.JobEvent.id, m.JobEvent.job).where(m.JobEvent.id == event_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(statement)).one_or_none()
        return _decode(row.id, row.job) if row is not None else None


@dataclass(eq=False)
class Subscriber:
    user_id: UUID
    job_id: UUID | None
    queue: asyncio.Queue[QueueItem] = field(default_factory=asyncio.Queue)
    ended: bool = False

    def offer(self, item: QueueItem) -> None:
        """Hand over an event without ever waiting; None (or a full buffer) ends the stream."""
        if self.ended:
            return
        if item is None or self.queue.full():
            self.ended = True
            # Make room for the end marker: the client reconnects with Last-Event-ID.
            while self.queue.full():
                self.queue.get_nowait()
            self.queue.put_nowait(None)
            return
        self.queue.put_nowait(item)


class JobEventHub:
    def __init__(self, dsn: str, events: EventLog, *, buffer: int) -> None:
        self._dsn = dsn
        self.events = events
        self._buffer = buffer
        self._subscribers: set[Subscriber] = set()
        # The same, by user: a notification looks at its user's streams only, not at all
        # of them (the scan cost 0.1 ms a notification with 1,000 streams open).
        self._by_user: dict[UUID, set[Subscriber]] = {}
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()

    # -- subscribers ---------------------------------------------------------------
    async def subscribe(self, user_id: UUID, job_id: UUID | None = None) -> Subscriber:
        """Listening before the caller reads the current state, so nothing falls between."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._listen_forever(), name="job-events-listener")
        try:
            await asyncio.wait_for(self._listening.wait(), LISTEN_TIMEOUT_S)
        except TimeoutError:
            raise EventsUnavailableError from None
        subscriber = Subscriber(user_id, job_id, asyncio.Queue(maxsize=self._buffer))
        self._subscribers.add(subscriber)
        self._by_user.setdefault(user_id, set()).add(subscriber)
        SUBSCRIBERS.set(len(self._subscribers))
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        same_user = self._by_user.get(subscriber.user_id)
        if same_user is not None:
            same_user.discard(subscriber)
            if not same_user:
                del self._by_user[subscriber.user_id]
        SUBSCRIBERS.set(len(self._subscribers))

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    async def wait_listening(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(self._listening.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    def end_streams(self) -> None:
        """The process is stopping: every open stream ends now (its client reconnects, to
        another process, with the last id it got)."""
        for subscriber in list(self._subscribers):
            subscriber.offer(None)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for subscriber in list(self._subscribers):
            subscriber.offer(None)

    # -- the LISTEN connection -----------------------------------------------------
    async def _listen_forever(self) -> None:
        backoff = _FIRST_BACKOFF_S
        while True:
            lost = asyncio.Event()
            try:
                connection = await asyncpg.connect(
                    self._dsn,
                    timeout=LISTEN_TIMEOUT_S,
                    server_settings={"application_name": LISTEN_APPLICATION_NAME},
                )
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.warning("job events: cannot listen (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
                continue
            try:
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(JOB_EVENTS_CHANNEL, self._on_notify)
                self._listening.set()
                backoff = _FIRST_BACKOFF_S
                await lost.wait()
                log.warning("job events: the LISTEN connection was lost; reconnecting")
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("job events: listening failed (%s)", exc)
            finally:
                self._listening.clear()
                with contextlib.suppress(Exception):
                    await connection.close(timeout=1)
                # Events may be missed until we listen again: each stream reads them back
                # from the table once we do (it waits for that itself).
                for subscriber in list(self._subscribers):
                    subscriber.offer(RESYNC)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF_S)

    def _on_notify(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = json.loads(payload)
            user_id, job_id = UUID(event["user_id"]), UUID(event["job_id"])
            event_id = event.get("event_id")
            event_id = int(event_id) if event_id is not None else None
        except (ValueError, KeyError, TypeError):
            log.warning("job events: unreadable notification %r", payload[:200])
            return
        interested = [
            s for s in self._by_user.get(user_id, ()) if s.job_id is None or s.job_id == job_id
        ]
        if not interested:
            return
        if "job" in event:
            shared = JobEvent(event_id, msgspec.convert(event["job"], Job, strict=False))
            for subscriber in interested:
                subscriber.offer(shared)
            return
        if event_id is None:
            log.warning("job events: a notification with neither job nor event id")
            return
        # The job did not fit in the notification: read the event once for everyone.
        task = asyncio.create_task(self._load_and_offer(event_id, interested))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _load_and_offer(self, event_id: int, subscribers: list[Subscriber]) -> None:
        try:
            loaded = await self.events.get(event_id)
        except Exception:
            log.exception("job events: could not read event %s", event_id)
            loaded = None
        for subscriber in subscribers:
            subscriber.offer(loaded if loaded is not None else RESYNC)


def _message(event: JobEvent | Job) -> ServerSentEventMessage:
    if isinstance(event, JobEvent):
        return event.message
    return ServerSentEventMessage(event="job", data=msgspec.json.encode(event).decode())


@dataclass
class StreamStart:
    """Where a stream starts, worked out after subscribing (see `start`)."""

    last_id: int  # events up to this id are not sent (the client has them, or `current`)
    replay: bool  # send the stored events after `last_id` first
    current: Job | None = None  # a job stream's state, read after `last_id`
    have: Job | None = None  # a resumed job stream: the job as of `last_id`, if still kept


async def start(
    hub: JobEventHub,
    subscriber: Subscriber,
    last_event_id: int | None,
    session: AsyncSession | None = None,
) -> StreamStart:
    """Call after subscribing and before reading a job's current state; with the request's
    session, whose connection the request holds already."""
    newest, known = await hub.events.position(
        subscriber.user_id, subscriber.job_id, last_event_id, session
    )
    if known and last_event_id is not None:
        have = None
        if subscriber.job_id is not None:
            kept = await hub.events.latest(subscriber.job_id, last_event_id, session)
            have = kept.job if kept is not None else None
        return StreamStart(last_id=last_event_id, replay=True, have=have)
    return StreamStart(last_id=newest, replay=False)


async def stream(
    hub: JobEventHub,
    subscriber: Subscriber,
    begin: StreamStart,
    *,
    keepalive_s: float,
) -> AsyncIterator[ServerSentEventMessage]:
    """Server-Sent Events for one subscriber: with a known `Last-Event-ID`, the stored
    events after it; for a job stream, then its current state (without an id, so that it
    does not move the client's Last-Event-ID) unless the client has it already (the last
    event replayed, or with nothing to replay the job's event up to Last-Event-ID, is as
    new); then each change. A job stream ends after a final status."""
    one_job = subscriber.job_id is not None
    last_id = begin.last_id
    newest: Job | None = begin.have  # the newest job state the client has

    def fresh(event: JobEvent) -> bool:
        if event.id is not None:
            return event.id > last_id
        # No id: a notification from outside lifecycle.py; the old updated_at rule.
        return not (newest is not None and event.job.updated_at < newest.updated_at)

    async def next_page() -> list[JobEvent]:
        """Stored events after the last id sent, a page at a time: memory stays bounded."""
        return await hub.events.after(subscriber.user_id, subscriber.job_id, last_id)

    try:
        if begin.replay:  # what the client missed
            while True:
                page = await next_page()
                for event in page:
                    yield _message(event)
                    last_id, newest = event.id or last_id, event.job
                    if one_job and event.job.status.is_final:
                        return
                if len(page) < REPLAY_PAGE:
                    break
        current = begin.current
        if current is not None and (newest is None or current.updated_at > newest.updated_at):
            yield _message(current)  # no id: it does not move the client's Last-Event-ID
            newest = current
        if one_job and newest is not None and newest.status.is_final:
            return  # the client has the job's final state
        while True:
            try:
                item = await asyncio.wait_for(subscriber.queue.get(), keepalive_s)
            except TimeoutError:
                yield ServerSentEventMessage(comment="keep-alive", data=None)
                continue
            if item is None:
                return
            if isinstance(item, _Resync):  # events may have been missed: read them back
                while not await hub.wait_listening(keepalive_s):
                    yield ServerSentEventMessage(comment="keep-alive", data=None)
                while True:
                    page = await next_page()
                    for event in page:
                        yield _message(event)
                        last_id, newest = event.id or last_id, event.job
                        if one_job and event.job.status.is_final:
                            return
                    if len(page) < REPLAY_PAGE:
                        break
                continue
            if not fresh(item):
                continue  # sent already, or committed before the state we sent
            yield _message(item)
            last_id, newest = item.id or last_id, item.job
            if one_job and item.job.status.is_final:
                return
    finally:
        hub.unsubscribe(subscriber)

"""Job events for clients: one `LISTEN` connection per API process, fanned out in memory.

The lifecycle module sends a `NOTIFY` with the job's JSON in the transaction of each change;
this hub hears it and hands it to the subscribers it concerns (the job's owner, for all
their jobs or one). Each subscriber has a bounded buffer: a client too slow to drain it is
dropped (its stream ends and it reconnects) instead of stalling the others. When the
`LISTEN` connection is lost, every stream ends for the same reason (an event may have been
missed); the hub reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
import msgspec
from litestar.response import ServerSentEventMessage
from prometheus_client import Gauge

from transcribe.domain.jobs.lifecycle import JOB_EVENTS_CHANNEL
from transcribe.domain.jobs.schemas import Job

log = logging.getLogger(__name__)

SUBSCRIBERS = Gauge("transcribe_event_subscribers", "Open job event streams in this process")
LISTEN_TIMEOUT_S = 5.0
_MAX_BACKOFF_S = 30.0

LoadJob = Callable[[UUID], Awaitable[Job | None]]


class EventsUnavailableError(Exception):
    """The database cannot be listened to right now."""


@dataclass(eq=False)
class Subscriber:
    user_id: UUID
    job_id: UUID | None
    queue: asyncio.Queue[Job | None] = field(default_factory=asyncio.Queue)
    ended: bool = False

    def offer(self, job: Job | None) -> None:
        """Hand over an event without ever waiting; None (or a full buffer) ends the stream."""
        if self.ended:
            return
        if job is None or self.queue.full():
            self.ended = True
            # Make room for the end marker: the client re-reads the state when it reconnects.
            while self.queue.full():
                self.queue.get_nowait()
            self.queue.put_nowait(None)
            return
        self.queue.put_nowait(job)


class JobEventHub:
    def __init__(self, dsn: str, load_job: LoadJob, *, buffer: int) -> None:
        self._dsn = dsn
        self._load_job = load_job
        self._buffer = buffer
        self._subscribers: set[Subscriber] = set()
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
        SUBSCRIBERS.set(len(self._subscribers))
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        SUBSCRIBERS.set(len(self._subscribers))

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for subscriber in list(self._subscribers):
            subscriber.offer(None)

    # -- the LISTEN connection -----------------------------------------------------
    async def _listen_forever(self) -> None:
        backoff = 0.5
        while True:
            lost = asyncio.Event()
            try:
                connection = await asyncpg.connect(self._dsn, timeout=LISTEN_TIMEOUT_S)
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.warning("job events: cannot listen (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
                continue
            try:
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(JOB_EVENTS_CHANNEL, self._on_notify)
                self._listening.set()
                backoff = 0.5
                await lost.wait()
                log.warning("job events: the LISTEN connection was lost; reconnecting")
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("job events: listening failed (%s)", exc)
            finally:
                self._listening.clear()
                with contextlib.suppress(Exception):
                    await connection.close(timeout=1)
                # Events may have been missed: streams end, clients reconnect and re-read.
                for subscriber in list(self._subscribers):
                    subscriber.offer(None)

    def _on_notify(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = json.loads(payload)
            user_id, job_id = UUID(event["user_id"]), UUID(event["job_id"])
        except (ValueError, KeyError, TypeError):
            log.warning("job events: unreadable notification %r", payload[:200])
            return
        interested = [
            s
            for s in self._subscribers
            if s.user_id == user_id and (s.job_id is None or s.job_id == job_id)
        ]
        if not interested:
            return
        if "job" in event:
            job = msgspec.convert(event["job"], Job, strict=False)
            for subscriber in interested:
                subscriber.offer(job)
            return
        # The job did not fit in the notification: read it once for everyone.
        task = asyncio.create_task(self._load_and_offer(job_id, interested))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _load_and_offer(self, job_id: UUID, subscribers: list[Subscriber]) -> None:
        try:
            job = await self._load_job(job_id)
        except Exception:
            log.exception("job events: could not read job %s", job_id)
            job = None
        for subscriber in subscribers:
            subscriber.offer(job)


def _message(job: Job) -> ServerSentEventMessage:
    return ServerSentEventMessage(event="job", data=msgspec.json.encode(job).decode())


async def stream(
    hub: JobEventHub,
    subscriber: Subscriber,
    *,
    initial: Job | None,
    keepalive_s: float,
) -> AsyncIterator[ServerSentEventMessage]:
    """Server-Sent Events for one subscriber: the current state first (for a job stream),
    then each change; a job stream ends after a final status."""
    try:
        last = initial
        if initial is not None:
            yield _message(initial)
            if initial.status.is_final:
                return
        while True:
            try:
                job = await asyncio.wait_for(subscriber.queue.get(), keepalive_s)
            except TimeoutError:
                yield ServerSentEventMessage(comment="keep-alive", data=None)
                continue
            if job is None:
                return
            if last is not None and last.id == job.id and job.updated_at < last.updated_at:
                continue  # committed before the state we already sent
            yield _message(job)
            last = job
            if subscriber.job_id is not None and job.status.is_final:
                return
    finally:
        hub.unsubscribe(subscriber)

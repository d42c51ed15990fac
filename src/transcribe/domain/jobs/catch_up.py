"""After an outage, a prompt check of every job waiting at the provider.

AssemblyAI calls the API back when a transcript is done, and retries for a minute or two.
An outage longer than that (the API down, or its database away) loses the call, and the job
would wait for its fallback check (ASSEMBLYAI_WEBHOOK_FALLBACK_S, ten minutes by default).
So when an API process starts, and when its database comes back after a provider's call
failed on it, every job at the provider gets a check soon: spread out at
ASSEMBLYAI_CATCH_UP_PER_S rather than a burst, and one per job however many processes ask
at once (a queueing lock collapses the copies). Workers ask too, when they start and when
their database comes back (worker/main.py): calls the API could not take (its address
unreachable from the provider) are caught up when the worker comes back, and a worker's
database that was away may have been the API's too.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from uuid import UUID

from procrastinate import App
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from transcribe.db import models as m
from transcribe.db.outage import is_database_outage
from transcribe.domain.jobs.queueing import defer_catch_up_check
from transcribe.queue import LazyQueue

log = logging.getLogger(__name__)

_RETRY_S = (1, 2, 5, 10, 30)  # while the database is still away


async def jobs_at_provider(engine: AsyncEngine) -> list[UUID]:
    """Jobs whose completion the provider may have announced while nobody listened."""
    query = (
        select(m.TranscriptionJob.id)
        .where(
            m.TranscriptionJob.status == m.JobStatus.PROCESSING.value,
            m.TranscriptionJob.provider_job_id.is_not(None),
        )
        .order_by(m.TranscriptionJob.updated_at)  # the longest waiting first
    )
    async with engine.connect() as conn:
        return list((await conn.scalars(query)).all())


async def schedule_checks(engine: AsyncEngine, app: App, per_second: float) -> int:
    """Defer one check per job at the provider, the n-th in n / per_second seconds; the
    number deferred (jobs whose catch-up check is already waiting are not counted)."""
    per_second = max(per_second, 0.1)
    deferred = 0
    for n, job_id in enumerate(await jobs_at_provider(engine)):
        if await defer_catch_up_check(app, job_id, delay_s=n / per_second) is not None:
            deferred += 1
    if deferred:
        log.info(
            "catching up with the provider: %s jobs get a check within %.0f s",
            deferred,
            deferred / per_second,
        )
    return deferred


class CatchUp:
    """One per API process: runs at startup and again whenever `needed` is called (a
    provider's call failed because the database was away), until it has run through."""

    def __init__(self, engine: AsyncEngine, queue: LazyQueue, per_second: float) -> None:
        self._engine = engine
        self._queue = queue
        self._per_second = per_second
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def needed(self) -> None:
        self._wanted.set()

    def start(self) -> None:
        self._wanted.set()  # the process was down before it started: catch up now
        self._task = asyncio.create_task(self._run(), name="provider-catch-up")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            await self._until_done()

    async def _until_done(self) -> None:
        for attempt in itertools.count():
            try:
                app = await self._queue.get()
                await schedule_checks(self._engine, app, self._per_second)
            except Exception as exc:
                if not is_database_outage(exc):
                    log.exception("catching up with the provider failed")
                    return
                await asyncio.sleep(_RETRY_S[min(attempt, len(_RETRY_S) - 1)])
                continue
            return

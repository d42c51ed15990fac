"""The procrastinate App: one per process, built from settings.

The API defers with it; the worker runs it: `procrastinate --app=transcribe.worker.app worker`.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued

from transcribe.settings import Settings

TRANSCRIBE_TASK = "transcribe_job"


def build_queue(settings: Settings, *, with_tasks: bool = True) -> App:
    connector = PsycopgConnector(
        conninfo=settings.db.libpq_url,
        kwargs={"application_name": "transcribe-queue"},
        min_size=1,
        # A worker needs a connection per running job plus its own; the API only defers.
        max_size=settings.worker.concurrency + 2 if with_tasks else 4,
    )
    app = App(
        connector=connector,
        worker_defaults={
            "concurrency": settings.worker.concurrency,
            "update_heartbeat_interval": settings.worker.heartbeat_s,
            "stalled_worker_timeout": settings.worker.stalled_after_s,
            "shutdown_graceful_timeout": settings.worker.shutdown_graceful_timeout_s,
        },
    )
    if with_tasks:
        from transcribe.domain.jobs.tasks import register_tasks

        register_tasks(app, settings)
    return app


class LazyQueue:
    """The API's handle on the queue: its connection pool opens on first use, so the API
    starts (and answers /health) even while PostgreSQL is away."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._lock = asyncio.Lock()
        self._opened = False

    async def get(self) -> App:
        if not self._opened:
            async with self._lock:
                if not self._opened:
                    await self._app.open_async()
                    self._opened = True
        return self._app

    async def close(self) -> None:
        if self._opened:
            await self._app.close_async()
            self._opened = False


def job_lock(job_id: UUID | str) -> str:
    return f"transcription-job:{job_id}"


async def defer_transcription(app: App, job_id: UUID | str) -> int | None:
    """Queue `transcribe_job` once per job; None when one is already waiting in the queue."""
    lock = job_lock(job_id)
    try:
        return await app.configure_task(TRANSCRIBE_TASK, lock=lock, queueing_lock=lock).defer_async(
            job_id=str(job_id)
        )
    except AlreadyEnqueued:
        return None

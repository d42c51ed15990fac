"""The procrastinate App: one per process, built from settings, knowing nothing of tasks.

The API defers with it by task name; the worker (`transcribe.worker.app`) registers
the tasks and `python -m transcribe worker` runs it.
"""

from __future__ import annotations

import asyncio

from procrastinate import App, PsycopgConnector

from transcribe.settings import DatabaseSettings, Settings

# How long an API request waits for a queue connection: as long as for any other database
# connection. After a database restart the pool reconnects with a growing backoff (1, 2, 4,
# 8 s...), so its default 30 s can be spent waiting: a request that retries or cancels a job
# would hang that long (clients time out) although the recovery sweep queues it anyway.
# A worker has nothing better to do than wait.
API_QUEUE_WAIT_S = float(DatabaseSettings.API_WAIT_S)


def build_queue(settings: Settings, *, for_worker: bool) -> App:
    connector = PsycopgConnector(
        conninfo=settings.db.libpq_url,
        kwargs={"application_name": "transcribe-queue"},
        min_size=1,
        # A worker needs a connection per running task plus its own; the API only defers.
        max_size=settings.worker.concurrency + 2 if for_worker else 4,
        **({} if for_worker else {"timeout": API_QUEUE_WAIT_S}),
    )
    return App(
        connector=connector,
        worker_defaults={
            "concurrency": settings.worker.concurrency,
            "update_heartbeat_interval": settings.worker.heartbeat_s,
            "stalled_worker_timeout": settings.worker.stalled_after_s,
            "shutdown_graceful_timeout": settings.worker.shutdown_graceful_timeout_s,
        },
    )


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
                    # Opening waits for a first connection, 30 s by default: a request would
                    # hang that long while the queue is unreachable. The pool, once created,
                    # keeps connecting in the background; the next call finds it open.
                    await asyncio.wait_for(self._app.open_async(), API_QUEUE_WAIT_S)
                    self._opened = True
        return self._app

    async def close(self) -> None:
        if self._opened:
            await self._app.close_async()
            self._opened = False

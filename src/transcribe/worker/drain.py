"""Workers that run only when woken: `python -m transcribe drain` and `drain-server`.

Jobs hold no worker slot while the provider works (a submit task, then short status checks
scheduled ahead), so a worker need not run all the time: it can wake, run every queue task
that is due, and stop. `drain` does that once and exits (for cron or a one-off). `drain-server`
does it on every `POST /` and answers with what is left: a Serverless Container woken by a
timer trigger (deploy/yandex) costs nothing between runs.

What a long-running worker does on its own, a drain does each time: it defers the periodic
tasks (recovery, housekeeping) whose time has come, then runs what is due, at most
WORKER_DRAIN_BUDGET_S; what is left waits for the next run. Tasks scheduled for later (the
next status check) are not waited for. Not for the local engine, whose jobs are minutes of
CPU inside one task: give it a worker that runs all the time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import msgspec
import uvicorn
from litestar import Litestar, get, post
from procrastinate import App
from procrastinate.periodic import PeriodicDeferrer

from transcribe.settings import Settings, get_settings

log = logging.getLogger("transcribe.drain")

_DUE = (
    "SELECT count(*) AS due FROM procrastinate_jobs WHERE status = 'todo' "
    "AND (scheduled_at IS NULL OR scheduled_at <= now())"
)


class DrainReport(msgspec.Struct):
    """What one drain did: how long it ran, whether the budget cut it short, what is due."""

    elapsed_s: float
    budget_used_up: bool
    due_left: int


async def drain_once(app: App, settings: Settings) -> DrainReport:
    """Run every due task of an open `app`, within the budget."""
    started = time.monotonic()
    deferrer = PeriodicDeferrer(registry=app.periodic_registry, **app.periodic_defaults)
    await deferrer.defer_jobs(deferrer.get_previous_tasks(at=time.time()))
    budget_used_up = False
    try:
        await asyncio.wait_for(
            app.run_worker_async(
                wait=False,  # stop once nothing is due
                listen_notify=False,
                concurrency=settings.worker.concurrency,
                install_signal_handlers=False,
                shutdown_graceful_timeout=settings.worker.shutdown_graceful_timeout_s,
                update_heartbeat_interval=settings.worker.heartbeat_s,
                stalled_worker_timeout=settings.worker.stalled_after_s,
            ),
            timeout=settings.worker.drain_budget_s,
        )
    except TimeoutError:  # cancelled: running tasks were given the graceful timeout
        budget_used_up = True
        log.warning(
            "the drain used its %s s budget; the rest waits", settings.worker.drain_budget_s
        )
    rows = await app.connector.execute_query_all_async(_DUE)
    return DrainReport(
        elapsed_s=round(time.monotonic() - started, 3),
        budget_used_up=budget_used_up,
        due_left=int(rows[0]["due"]),
    )


async def drain(settings: Settings | None = None) -> int:
    from transcribe.worker.app import app  # registers the tasks

    settings = settings or get_settings()
    async with app.open_async():
        report = await drain_once(app, settings)
    print(msgspec.json.encode(report).decode())  # the command's answer, for cron logs or scripts
    return 0


def drain_server_app(settings: Settings) -> Litestar:
    from transcribe.worker.app import app as queue_app

    lock = asyncio.Lock()  # one drain at a time per process; others wait their turn

    @post("/", status_code=200)
    async def run_drain() -> DrainReport:
        """Runs every due task (the timer trigger's call)."""
        async with lock:
            return await drain_once(queue_app, settings)

    @get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok"}

    async def open_queue(_: Litestar) -> None:
        await queue_app.open_async()

    async def close_queue(_: Litestar) -> None:
        await queue_app.close_async()

    return Litestar(
        [run_drain, health],
        on_startup=[open_queue],
        on_shutdown=[close_queue],
        openapi_config=None,
    )


def serve(settings: Settings | None = None) -> int:
    settings = settings or get_settings()
    uvicorn.run(
        drain_server_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
    )
    return 0

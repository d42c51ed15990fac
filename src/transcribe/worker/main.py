"""`python -m transcribe worker`: a procrastinate worker that rides out database restarts.

procrastinate's own worker stops (with status 0) as soon as one of its side tasks (the
LISTEN connection, the heartbeat) loses the database, even for a 0.2 s restart. Here the
worker runs in a loop: when it stops or fails without having been asked to, the database is
polled with backoff and the worker starts again once it answers. Only a database that stays
away longer than WORKER_DB_OUTAGE_LIMIT_S ends the process, with status 1, so that a process
manager notices. SIGTERM and SIGINT stop it gracefully (running jobs finish, up to
WORKER_SHUTDOWN_GRACEFUL_TIMEOUT_S), with status 0.

Each time the worker starts, at first or back after an outage, it asks for the provider
catch-up (domain/jobs/catch_up.py): while it or its database was away, the provider's
webhooks may have gone unheard, and jobs finished meanwhile should not wait for the fallback.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time

import psycopg
from procrastinate import App

from transcribe.db.outage import is_database_outage
from transcribe.domain.jobs.catch_up import schedule_checks
from transcribe.settings import Settings, get_settings
from transcribe.worker.runtime import WorkerRuntime

log = logging.getLogger("transcribe.worker")

BACKOFF_START_S = 0.5
BACKOFF_MAX_S = 10.0


async def _database_answers(settings: Settings) -> bool:
    try:
        conn = await psycopg.AsyncConnection.connect(settings.db.libpq_url, connect_timeout=5)
    except psycopg.Error:
        return False
    async with conn:
        await conn.execute("SELECT 1")
    return True


async def _wait_for_database(settings: Settings, stopping: asyncio.Event) -> bool:
    """True once the database answers; False if it stayed away past the limit (or a stop
    was asked for meanwhile)."""
    limit_s = settings.worker.db_outage_limit_s
    deadline = time.monotonic() + limit_s
    delay = BACKOFF_START_S
    while not stopping.is_set():
        if await _database_answers(settings):
            return True
        if time.monotonic() > deadline:
            log.error("the database has not answered for %s s: giving up", limit_s)
            return False
        log.warning("the database does not answer; trying again in %.1f s", delay)
        try:
            await asyncio.wait_for(stopping.wait(), timeout=delay)
        except TimeoutError:
            pass
        delay = min(delay * 2, BACKOFF_MAX_S)
    return False


async def run(settings: Settings | None = None) -> int:
    from transcribe.worker.app import app, runtime  # registers the tasks

    settings = settings or get_settings()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    while True:
        runner = asyncio.create_task(_run_once(app, runtime))
        stop_waiter = asyncio.create_task(stopping.wait())
        await asyncio.wait({runner, stop_waiter}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.is_set():
            runner.cancel()  # procrastinate stops gracefully when its run is cancelled
            await asyncio.gather(runner, return_exceptions=True)
            return 0
        stop_waiter.cancel()
        if (error := runner.exception()) is not None:
            log.warning("the worker failed (%r); starting again once the database answers", error)
        else:
            log.warning("the worker stopped by itself; starting again once the database answers")
        if not await _wait_for_database(settings, stopping):
            return 0 if stopping.is_set() else 1


async def _run_once(app: App, runtime: WorkerRuntime) -> None:
    async with app.open_async():
        catch_up = asyncio.create_task(_catch_up(app, runtime), name="provider-catch-up")
        try:
            await app.run_worker_async(install_signal_handlers=False)
        finally:
            catch_up.cancel()
            await asyncio.gather(catch_up, return_exceptions=True)


async def _catch_up(app: App, runtime: WorkerRuntime) -> None:
    """One check soon for every job at the provider (one per job across processes)."""
    if not runtime.provider_calls_back:
        return
    try:
        await schedule_checks(
            runtime.database, app, runtime.settings.transcription.catch_up_checks_per_s
        )
    except Exception as exc:
        if not is_database_outage(exc):
            log.exception("catching up with the provider failed")
        # The database went away again: the worker stops too, and asks again when back.

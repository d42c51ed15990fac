"""procrastinate tasks: `transcribe_job` and the periodic recovery of lost jobs."""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

import structlog
from procrastinate import App, JobContext, RetryStrategy
from procrastinate.job_context import AbortReason

from transcribe.domain.jobs.housekeeping import clean_up
from transcribe.domain.jobs.recovery import recover_jobs
from transcribe.domain.jobs.runtime import WorkerRuntime
from transcribe.queue import TRANSCRIBE_TASK
from transcribe.settings import Settings

log = logging.getLogger(__name__)


def _transient_errors() -> tuple[type[BaseException], ...]:
    from obstore.exceptions import BaseError as StorageError
    from sqlalchemy.exc import InterfaceError, OperationalError

    from transcribe.engines.base import TransientEngineError

    # Provider, network, database and object-storage blips: worth another attempt later.
    return (
        TransientEngineError,
        OSError,
        asyncio.TimeoutError,
        OperationalError,
        InterfaceError,
        StorageError,
    )


def register_tasks(app: App, settings: Settings) -> None:
    runtime = WorkerRuntime(settings)
    max_attempts = settings.worker.max_attempts

    @app.task(
        name=TRANSCRIBE_TASK,
        pass_context=True,
        retry=RetryStrategy(
            max_attempts=max_attempts,
            exponential_wait=settings.worker.retry_base_s,
            retry_exceptions=_transient_errors(),
        ),
    )
    async def transcribe_job(context: JobContext, job_id: str) -> None:
        await _run(context, runtime, job_id, max_attempts)

    @app.periodic(cron=settings.worker.recovery_cron, periodic_id="recover-jobs")
    @app.task(name="recover_jobs", queueing_lock="recover_jobs", pass_context=True)
    async def recover(context: JobContext, timestamp: int) -> None:
        await recover_jobs(context.app, runtime)

    @app.periodic(cron=settings.worker.housekeeping_cron, periodic_id="housekeeping")
    @app.task(name="housekeeping", queueing_lock="housekeeping")
    async def housekeeping(timestamp: int) -> None:
        await clean_up(runtime)


async def _run(context: JobContext, runtime: WorkerRuntime, job_id: str, max_attempts: int) -> None:
    from transcribe.domain.jobs.runner import run_job

    with structlog.contextvars.bound_contextvars(job_id=job_id, attempt=context.job.attempts + 1):
        await run_job(
            runtime,
            UUID(job_id),
            is_last_attempt=context.job.attempts + 1 >= max_attempts,
            # Cancel at the provider only when the user asked; after a shutdown we resume.
            cancel_at_provider=lambda: context.abort_reason() == AbortReason.USER_REQUEST,
        )

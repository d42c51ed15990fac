"""The jobs domain's procrastinate tasks, registered on the worker's App by `register_tasks`."""

from __future__ import annotations

import asyncio
from uuid import UUID

import structlog
from obstore.exceptions import BaseError as StorageError
from procrastinate import App, JobContext, RetryStrategy
from sqlalchemy.exc import InterfaceError, OperationalError

from transcribe.domain.jobs import cancellations, runner
from transcribe.domain.jobs.queueing import (
    CANCEL_AT_PROVIDER_TASK,
    CHECK_TASK,
    RECOVER_TASK,
    SUBMIT_TASK,
)
from transcribe.domain.jobs.recovery import recover_jobs
from transcribe.engines.base import TransientEngineError
from transcribe.worker.runtime import WorkerRuntime

# Provider, network, database and object-storage blips: worth another attempt later.
TRANSIENT_ERRORS = (
    TransientEngineError,
    OSError,
    asyncio.TimeoutError,
    OperationalError,
    InterfaceError,
    StorageError,
)


def register_tasks(app: App, rt: WorkerRuntime) -> None:
    settings = rt.settings.worker
    max_attempts = settings.max_attempts
    retry = RetryStrategy(
        max_attempts=max_attempts,
        exponential_wait=settings.retry_base_s,
        retry_exceptions=TRANSIENT_ERRORS,
    )

    def is_last_attempt(context: JobContext) -> bool:
        return context.job.attempts + 1 >= max_attempts

    @app.task(name=SUBMIT_TASK, pass_context=True, retry=retry)
    async def submit(context: JobContext, job_id: str) -> None:
        with structlog.contextvars.bound_contextvars(
            job_id=job_id, attempt=context.job.attempts + 1
        ):
            await runner.submit(
                context.app, rt, UUID(job_id), is_last_attempt=is_last_attempt(context)
            )

    @app.task(name=CHECK_TASK, pass_context=True, retry=retry)
    async def check(context: JobContext, job_id: str, delay_s: float) -> None:
        with structlog.contextvars.bound_contextvars(job_id=job_id):
            await runner.check(
                context.app,
                rt,
                UUID(job_id),
                delay_s=delay_s,
                is_last_attempt=is_last_attempt(context),
            )

    @app.task(name=CANCEL_AT_PROVIDER_TASK, retry=retry)
    async def cancel_at_provider(
        cancellation_id: str | None = None, provider_job_id: str | None = None
    ) -> None:
        if cancellation_id is not None:
            await cancellations.carry_out(rt, UUID(cancellation_id))
        elif provider_job_id is not None:  # queued by a release before the outbox
            await cancellations.cancel_at_provider(rt, provider_job_id)

    @app.periodic(cron=settings.recovery_cron, periodic_id="recover-jobs")
    @app.task(name=RECOVER_TASK, queueing_lock=RECOVER_TASK, pass_context=True)
    async def recover(context: JobContext, timestamp: int) -> None:
        await recover_jobs(context.app, rt)

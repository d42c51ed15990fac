"""The jobs domain's queue vocabulary: task names, locks and the `defer_*` helpers.

Both the API and the worker defer by task name, so deferring needs no registered task.
Every task of one job shares the job's `lock`, so a submission and its checks never run at
once; queueing locks keep one waiting copy of each kind per job.
"""

from __future__ import annotations

from uuid import UUID

from procrastinate import App
from procrastinate.exceptions import AlreadyEnqueued

# The name predates the split into submit and check; kept so queued jobs survive upgrades.
SUBMIT_TASK = "transcribe_job"
CHECK_TASK = "check_transcription"
CANCEL_AT_PROVIDER_TASK = "cancel_at_provider"
RECOVER_TASK = "recover_jobs"
JOB_TASKS = (SUBMIT_TASK, CHECK_TASK)

# A check prompted by the provider's webhook jumps ahead of scheduled ones: procrastinate
# runs the jobs of one lock in priority order, then in queueing order.
WEBHOOK_CHECK_PRIORITY = 10


def job_lock(job_id: UUID | str) -> str:
    return f"transcription-job:{job_id}"


async def _defer(app: App, task: str, *, queueing_lock: str, **options: object) -> int | None:
    """None when a copy is already waiting (the queueing lock collapsed the duplicate)."""
    job_id = options.pop("job_id")
    args = options.pop("args", {})
    try:
        return await app.configure_task(
            task, lock=job_lock(job_id), queueing_lock=queueing_lock, **options
        ).defer_async(job_id=str(job_id), **args)
    except AlreadyEnqueued:
        return None


async def defer_submit(app: App, job_id: UUID | str) -> int | None:
    return await _defer(app, SUBMIT_TASK, job_id=job_id, queueing_lock=job_lock(job_id))


async def defer_check(app: App, job_id: UUID | str, *, delay_s: float) -> int | None:
    """Schedule the next status check in `delay_s`; the check passes the delay on to grow it."""
    return await _defer(
        app,
        CHECK_TASK,
        job_id=job_id,
        queueing_lock=f"transcription-check:{job_id}",
        schedule_in={"seconds": delay_s},
        args={"delay_s": delay_s},
    )


async def defer_check_now(app: App, job_id: UUID | str) -> int | None:
    """A check right away (the provider says the transcript is done); duplicates collapse."""
    return await _defer(
        app,
        CHECK_TASK,
        job_id=job_id,
        queueing_lock=f"transcription-check-now:{job_id}",
        priority=WEBHOOK_CHECK_PRIORITY,
        args={"delay_s": 0.0},
    )


async def defer_catch_up_check(app: App, job_id: UUID | str, *, delay_s: float) -> int | None:
    """A check after an outage that may have lost the provider's webhook (catch_up.py); its
    own queueing lock, so that it neither delays nor is delayed by a webhook's check, and the
    webhook's priority, so that the job's scheduled fallback check does not hold it back."""
    return await _defer(
        app,
        CHECK_TASK,
        job_id=job_id,
        queueing_lock=f"transcription-catch-up:{job_id}",
        priority=WEBHOOK_CHECK_PRIORITY,
        schedule_in={"seconds": delay_s},
        args={"delay_s": 0.0},
    )

"""Recovery: no job stays pending or processing forever, and no event goes unsent.

Run periodically by one worker at a time (procrastinate's periodic tasks):
1. queue jobs whose worker stopped sending heartbeats (killed, OOM, lost host) go back to
   `todo`, procrastinate's own stalled-job recipe;
2. our jobs that are unfinished but have no live queue job get one: a submitted job its
   next status check, any other its submission (the API died between saving and
   deferring, a worker died between saving the provider's id and scheduling the check, a
   task failed on an unexpected error). At most `max_recoveries` times, then it fails;
3. webhook deliveries and cancels owed to the provider that are due but have no queue
   job are deferred again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from uuid import UUID

from procrastinate import App
from sqlalchemy import text

from transcribe.db import models as m
from transcribe.domain.jobs import cancellations, lifecycle
from transcribe.domain.jobs.queueing import defer_check, defer_submit, job_lock
from transcribe.domain.webhooks.queueing import defer_deliveries_of_job
from transcribe.domain.webhooks.tasks import sweep_deliveries
from transcribe.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)

_ORPHANS = text(
    """
    SELECT j.id, j.status, j.provider_job_id, j.recovery_count
    FROM transcription_jobs j
    WHERE j.status = ANY(CAST(:unfinished AS text[]))
      AND j.updated_at < :older_than
      AND NOT EXISTS (
          SELECT 1 FROM procrastinate_jobs q
          WHERE q.lock = :lock_prefix || j.id::text AND q.status IN ('todo', 'doing')
      )
    ORDER BY j.updated_at
    LIMIT 500
    """
)


async def recover_jobs(app: App, rt: WorkerRuntime) -> None:
    settings = rt.settings.worker
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.stalled_after_s
    )
    for job in stalled:
        log.warning("queue job %s (%s) stalled (worker gone): retrying it", job.id, job.task_name)
        ours = _transcription_of(job.lock)
        if ours is not None:
            # Counted like any recovery: a file that kills its worker each time it is
            # picked up (a poison job) is failed instead of taking workers down forever.
            # The retried queue job then finds its job final and does nothing.
            await _count_restart(app, rt, ours)
        await app.job_manager.retry_job(job)
    await app.job_manager.prune_stalled_workers(settings.stalled_after_s)

    params = {
        "older_than": datetime.now(UTC) - timedelta(seconds=settings.stalled_after_s),
        "lock_prefix": job_lock(""),
        "unfinished": [status.value for status in m.UNFINISHED_STATUSES],
    }
    async with rt.sessions() as session:
        orphans = (await session.execute(_ORPHANS, params)).all()
    for job_id, status, provider_job_id, recovery_count in orphans:
        await _recover(app, rt, job_id, status, provider_job_id, recovery_count)

    await sweep_deliveries(app, rt, grace_s=settings.stalled_after_s)
    await cancellations.sweep(app, rt, grace_s=settings.stalled_after_s)


def _transcription_of(lock: str | None) -> UUID | None:
    prefix = job_lock("")
    if not lock or not lock.startswith(prefix):
        return None
    try:
        return UUID(lock.removeprefix(prefix))
    except ValueError:
        return None


async def _count_restart(app: App, rt: WorkerRuntime, job_id: UUID) -> None:
    async with rt.sessions.begin() as session:
        job = await lifecycle.queued(session, job_id, None, recovered=True)
    limit = rt.settings.worker.max_recoveries
    if job is None or job.recovery_count <= limit:
        return
    async with rt.sessions.begin() as session:
        failed = await lifecycle.fail(
            session,
            job_id,
            f"The file stopped the worker that processed it {job.recovery_count} times; "
            "it cannot be processed.",
        )
    if failed is not None:
        log.error("job %s failed: its worker died %s times", job_id, job.recovery_count)
        await defer_deliveries_of_job(app, rt, job_id)


async def _recover(
    app: App,
    rt: WorkerRuntime,
    job_id: UUID,
    status: str,
    provider_job_id: str | None,
    recovery_count: int,
) -> None:
    if recovery_count >= rt.settings.worker.max_recoveries:
        async with rt.sessions.begin() as session:
            failed = await lifecycle.fail(
                session, job_id, "The job could not be processed; please try again."
            )
        if failed is not None:
            log.error("job %s failed after %s recoveries", job_id, recovery_count)
            await defer_deliveries_of_job(app, rt, job_id)
        return
    if status == m.JobStatus.PROCESSING.value and provider_job_id:
        queue_job_id = None
        await defer_check(app, job_id, delay_s=0)
        what = "its status check"
    else:
        queue_job_id = await defer_submit(app, job_id)
        what = "its submission"
    async with rt.sessions.begin() as session:
        await lifecycle.queued(session, job_id, queue_job_id, recovered=True)
    log.warning("job %s had no live queue job: deferred %s again", job_id, what)

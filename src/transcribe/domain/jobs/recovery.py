"""Recovery: no job stays pending or processing forever.

Two sweeps, run periodically by one worker at a time (procrastinate's periodic tasks):
1. queue jobs whose worker stopped sending heartbeats (killed, OOM, lost host) go back to
   `todo`, procrastinate's own stalled-job recipe;
2. our jobs that are unfinished but have no live queue job (the API died between saving
   and deferring, the queue job failed on an unexpected error, a shutdown aborted it) are
   deferred again, at most `max_recoveries` times, then failed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from uuid import UUID

from procrastinate import App
from sqlalchemy import text, update

from transcribe.db import models as m
from transcribe.domain.jobs.runtime import WorkerRuntime
from transcribe.queue import TRANSCRIBE_TASK, defer_transcription, job_lock

log = logging.getLogger(__name__)

_ORPHANS = text(
    """
    SELECT j.id, j.recovery_count
    FROM transcription_jobs j
    WHERE j.status IN ('pending', 'processing')
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
        task_name=TRANSCRIBE_TASK, seconds_since_heartbeat=settings.stalled_after_s
    )
    for job in stalled:
        log.warning("queue job %s stalled (worker gone): retrying it", job.id)
        await app.job_manager.retry_job(job)
    await app.job_manager.prune_stalled_workers(settings.stalled_after_s)

    older_than = datetime.now(UTC) - timedelta(seconds=settings.stalled_after_s)
    async with rt.sessions() as session:
        orphans = (
            await session.execute(_ORPHANS, {"older_than": older_than, "lock_prefix": job_lock("")})
        ).all()
    for job_id, recovery_count in orphans:
        await _recover(app, rt, job_id, recovery_count)


async def _recover(app: App, rt: WorkerRuntime, job_id: UUID, recovery_count: int) -> None:
    now = datetime.now(UTC)
    if recovery_count >= rt.settings.worker.max_recoveries:
        values = {
            "status": m.JobStatus.FAILED.value,
            "error_message": "The job could not be processed; please try again.",
            "completed_at": now,
        }
        log.error("job %s failed after %s recoveries", job_id, recovery_count)
    else:
        queue_job_id = await defer_transcription(app, job_id)
        values = {"recovery_count": recovery_count + 1}
        if queue_job_id is not None:
            values["queue_job_id"] = queue_job_id
        log.warning("job %s had no live queue job: deferred again (%s)", job_id, queue_job_id)
    async with rt.sessions.begin() as session:
        await session.execute(
            update(m.TranscriptionJob)
            .where(
                m.TranscriptionJob.id == job_id,
                m.TranscriptionJob.status.in_(("pending", "processing")),
            )
            .values(updated_at=now, **values)
        )

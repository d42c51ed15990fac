"""Cancels owed to the provider: an outbox, so that none is lost to a queue outage.

The API cancels a job in one transaction and records there what the provider still has to
cancel (`record`); deferring the task afterwards is only the fast path. The task
(`carry_out`) cancels at the provider and deletes the row; the recovery sweep
(`sweep`) defers rows whose queue job never came to be. A submission aborted after the
provider accepted it but before its id was saved leaves only the audio URL it was given:
the task then finds it in the provider's list, as a retried submission would.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from procrastinate import App
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.jobs.queueing import CANCEL_AT_PROVIDER_TASK
from transcribe.engines import PermanentEngineError

if TYPE_CHECKING:  # the API records and defers; only workers carry out
    from transcribe.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)

# How far back before the audio URL was handed over a submission is looked for.
_SUBMISSION_SLACK = timedelta(minutes=5)


def _queueing_lock(cancellation_id: UUID | str) -> str:
    return f"provider-cancel:{cancellation_id}"


async def record_known(
    session: AsyncSession, job_id: UUID, provider_job_id: str
) -> m.ProviderCancellation:
    """In the transaction that found the job cancelled: its copy at the provider."""
    row = m.ProviderCancellation(
        job_id=job_id, provider_job_id=provider_job_id, due_at=datetime.now(UTC)
    )
    session.add(row)
    await session.flush()
    return row


async def record(
    session: AsyncSession, job: m.TranscriptionJob, *, settle_s: float
) -> m.ProviderCancellation | None:
    """In the cancel's transaction: the provider's copy of `job`, if it may have one. With
    only an audio URL, the row waits `settle_s` (a submission in flight gets its answer)."""
    if job.provider_job_id:
        return await record_known(session, job.id, job.provider_job_id)
    if job.provider_audio_url:
        handed_over = job.provider_audio_url_at or job.created_at
        row = m.ProviderCancellation(
            job_id=job.id,
            provider_audio_url=job.provider_audio_url,
            submitted_since=handed_over - _SUBMISSION_SLACK,
            due_at=datetime.now(UTC) + timedelta(seconds=settle_s),
        )
        session.add(row)
        await session.flush()
        return row
    return None


async def defer(app: App, row: m.ProviderCancellation) -> None:
    """Queue the cancel (the sweep does it later if this fails or is never reached)."""
    try:
        await app.configure_task(
            CANCEL_AT_PROVIDER_TASK,
            queueing_lock=_queueing_lock(row.id),
            schedule_at=row.due_at,
        ).defer_async(cancellation_id=str(row.id))
    except AlreadyEnqueued:
        pass


async def carry_out(rt: WorkerRuntime, cancellation_id: UUID) -> None:
    async with rt.sessions() as session:
        row = await session.get(m.ProviderCancellation, cancellation_id)
    if row is None:
        return  # done by an earlier run
    provider_job_id = row.provider_job_id
    if provider_job_id is None and row.provider_audio_url:
        provider_job_id = await rt.engine.find_submission(
            row.provider_audio_url, since=row.submitted_since or row.created_at
        )
        if provider_job_id:
            log.info("job %s: found its aborted submission %s", row.job_id, provider_job_id)
    if provider_job_id:
        await cancel_at_provider(rt, provider_job_id)
    async with rt.sessions.begin() as session:
        await session.execute(
            delete(m.ProviderCancellation).where(m.ProviderCancellation.id == cancellation_id)
        )


async def cancel_at_provider(rt: WorkerRuntime, provider_job_id: str) -> None:
    """TransientEngineError propagates (the queue retries); a refusal is final."""
    try:
        await asyncio.wait_for(rt.engine.cancel(provider_job_id), timeout=10)
    except PermanentEngineError:  # gone already, or refused: nothing more to do
        log.warning("the provider refused to cancel %s", provider_job_id, exc_info=True)


_DUE_WITHOUT_QUEUE_JOB = text(
    """
    SELECT c.id, c.due_at FROM provider_cancellations c
    WHERE c.due_at < :due_before
      AND NOT EXISTS (
          SELECT 1 FROM procrastinate_jobs q
          WHERE q.queueing_lock = :lock_prefix || c.id::text AND q.status IN ('todo', 'doing')
      )
    ORDER BY c.due_at
    LIMIT 500
    """
)


async def sweep(app: App, rt: WorkerRuntime, *, grace_s: float) -> int:
    """Defer the cancels that are due but have no queue job (the queue was unreachable
    when the job was cancelled, or the task's queue job was lost)."""
    params = {
        "due_before": datetime.now(UTC) - timedelta(seconds=grace_s),
        "lock_prefix": _queueing_lock(""),
    }
    async with rt.sessions() as session:
        rows = (await session.execute(_DUE_WITHOUT_QUEUE_JOB, params)).all()
    for cancellation_id, due_at in rows:
        log.warning("provider cancel %s had no queue job: deferred again", cancellation_id)
        await defer(app, m.ProviderCancellation(id=cancellation_id, due_at=due_at))
    return len(rows)

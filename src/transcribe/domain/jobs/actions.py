"""What a user or an admin does to a job beyond one transition: removing it, retrying it.

Each commits itself where the queue or storage must see the row first, so the routes only
read and call. The job's rows still change only through `lifecycle`."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.jobs import cancellations, lifecycle
from transcribe.domain.jobs.queueing import defer_submit
from transcribe.domain.transcripts import store
from transcribe.lib.errors import Conflict
from transcribe.queue import LazyQueue
from transcribe.storage import Storage

log = logging.getLogger(__name__)


async def cancel_or_delete(
    session: AsyncSession,
    queue: LazyQueue,
    storage: Storage,
    job: m.TranscriptionJob,
    *,
    settle_s: float,
) -> None:
    """An unfinished job is cancelled (at the provider too); a finished one is deleted with its
    transcript and result files. The caller holds the job's row lock; `settle_s` is how long
    a submission in flight may still take to get the provider's answer."""
    result_key = job.result_object_key
    cancelled = await lifecycle.cancel(session, job.id)
    owed = None
    if cancelled is not None:  # the provider's copy is cancelled even if the queue is away
        owed = await cancellations.record(session, cancelled, settle_s=settle_s)
    await store.forget_search_text(session, job.id)
    if cancelled is None:  # finished already: delete it
        await lifecycle.delete(session, job.id)
    await session.commit()
    if cancelled is not None:
        await _stop_queue_job(queue, cancelled.queue_job_id, owed)
    if result_key:
        await storage.delete_prefix(store.results_prefix(job.user_id, job.id))


async def _stop_queue_job(
    queue: LazyQueue, queue_job_id: int | None, owed: m.ProviderCancellation | None
) -> None:
    """Drop a waiting submission or abort a running one, and cancel at the provider.

    Best effort: the job row already says `cancelled`, and every task checks that before
    saving anything (a submission that completes after this cancels its own provider job);
    the cancel owed to the provider is recorded, and the recovery sweep queues it if this
    cannot.
    """
    try:
        app = await queue.get()
    except Exception:
        log.exception("could not reach the queue to stop job %s", queue_job_id)
        return
    if owed is not None:
        try:
            await cancellations.defer(app, owed)
        except Exception:
            log.exception("could not queue the provider-side cancel %s", owed.id)
    if queue_job_id is not None:
        try:
            await app.job_manager.cancel_job_by_id_async(queue_job_id, abort=True)
        except Exception:
            log.exception("could not stop queue job %s", queue_job_id)


async def retry_failed(
    session: AsyncSession, queue: LazyQueue, job: m.TranscriptionJob
) -> m.TranscriptionJob:
    """A failed job goes back to `pending` and is queued again as a fresh submission; 409 if it
    has not failed or its media is gone. If the queue does not answer now, the recovery task
    queues the pending job later."""
    await _hold_media(session, job)
    retried = await lifecycle.retry(session, job.id)
    if retried is None:
        raise Conflict(detail="Only failed jobs can be retried")
    await session.commit()  # the worker must find the job pending
    queue_job_id = await defer_submit(await queue.get(), job.id)
    await lifecycle.queued(session, job.id, queue_job_id)
    await session.commit()
    return retried


async def _hold_media(session: AsyncSession, job: m.TranscriptionJob) -> None:
    """A retry starts from the media again; it is held (as POST /jobs holds it) until the
    job is pending, so that retention cannot delete it in between."""
    upload = await session.scalar(
        select(m.Upload)
        .where(m.Upload.object_key == job.source_object_key)
        .with_for_update(read=True)
    )
    if upload is None or upload.status != m.UploadStatus.UPLOADED.value:
        raise Conflict(detail="The job's media is no longer stored: it cannot run again")

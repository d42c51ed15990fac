"""One transcription job's life in the worker: claim, recognise, store, finish.

Database work happens in short transactions; nothing holds a connection while the
provider works. The provider's job id is saved the moment the provider accepts the job,
so a retried or recovered run resumes waiting on it instead of submitting again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from transcribe.db import models as m
from transcribe.domain.jobs.results import render_txt, result_object_key, utterances_json
from transcribe.domain.jobs.runtime import WorkerRuntime
from transcribe.engines.base import (
    AudioSource,
    EngineRequest,
    EngineResult,
    PermanentEngineError,
    TransientEngineError,
)
from transcribe.lib.metrics import JOB_DURATION, PROVIDER_ERRORS

log = logging.getLogger(__name__)

UNFINISHED = (m.JobStatus.PENDING.value, m.JobStatus.PROCESSING.value)
PROVIDER_URL_TTL_S = 6 * 3600  # the provider may queue a while before fetching the audio


def _now() -> datetime:
    return datetime.now(UTC)


async def claim(rt: WorkerRuntime, job_id: UUID) -> tuple[m.TranscriptionJob, str] | None:
    """Mark the job processing; None when it is gone, cancelled or already finished."""
    async with rt.sessions.begin() as session:
        job = await session.scalar(
            select(m.TranscriptionJob)
            .where(m.TranscriptionJob.id == job_id, m.TranscriptionJob.status.in_(UNFINISHED))
            .with_for_update()
        )
        if job is None:
            return None
        job.status = m.JobStatus.PROCESSING.value
        job.started_at = job.started_at or _now()
        job.error_message = None
        content_type = await session.scalar(
            select(m.Upload.content_type).where(m.Upload.object_key == job.source_object_key)
        )
        return job, content_type or "application/octet-stream"


async def save_provider_job_id(rt: WorkerRuntime, job_id: UUID, provider_job_id: str) -> None:
    async with rt.sessions.begin() as session:
        await session.execute(
            update(m.TranscriptionJob)
            .where(m.TranscriptionJob.id == job_id)
            .values(provider_job_id=provider_job_id, updated_at=_now())
        )


async def fail(rt: WorkerRuntime, job_id: UUID, message: str) -> None:
    async with rt.sessions.begin() as session:
        await session.execute(
            update(m.TranscriptionJob)
            .where(m.TranscriptionJob.id == job_id, m.TranscriptionJob.status.in_(UNFINISHED))
            .values(
                status=m.JobStatus.FAILED.value,
                error_message=message,
                completed_at=_now(),
                updated_at=_now(),
            )
        )
    log.info("job %s failed: %s", job_id, message)


async def store_result(rt: WorkerRuntime, job: m.TranscriptionJob, result: EngineResult) -> None:
    key = result_object_key(job.user_id, job.id)
    body = render_txt(result, job.mode).encode("utf-8")
    await rt.storage.put_bytes(key, body, "text/plain; charset=utf-8")
    async with rt.sessions.begin() as session:
        current = await session.scalar(
            select(m.TranscriptionJob).where(m.TranscriptionJob.id == job.id).with_for_update()
        )
        if current is None or current.status != m.JobStatus.PROCESSING.value:
            # Cancelled or deleted while the provider worked: keep nothing.
            await rt.storage.delete(key)
            return
        await session.execute(
            insert(m.Transcript)
            .values(job_id=job.id, plain_text=result.text, diarized_json=utterances_json(result))
            .on_conflict_do_update(
                index_elements=[m.Transcript.job_id],
                set_={
                    "plain_text": result.text,
                    "diarized_json": utterances_json(result),
                    "updated_at": _now(),
                },
            )
        )
        current.status = m.JobStatus.COMPLETED.value
        current.completed_at = _now()
        current.result_object_key = key
        current.detected_language = result.detected_language
        current.audio_duration_s = result.audio_duration_s
        current.error_message = None


async def run_job(
    rt: WorkerRuntime,
    job_id: UUID,
    *,
    is_last_attempt: bool,
    cancel_at_provider: Callable[[], bool],
) -> None:
    """Run one attempt. Raises TransientEngineError when the queue should retry later."""
    claimed = await claim(rt, job_id)
    if claimed is None:
        log.info("job %s has nothing left to do", job_id)
        return
    job, content_type = claimed
    key = job.source_object_key
    info = await rt.storage.head(key)
    if info is None:
        await fail(rt, job_id, "The uploaded file is no longer available.")
        return

    audio = AudioSource(
        filename=job.filename,
        content_type=content_type,
        size=info.size,
        url=await rt.storage.external_audio_url(key, expires_s=PROVIDER_URL_TTL_S),
        open_stream=lambda: rt.storage.read_stream(key),
    )
    provider_job_id = job.provider_job_id

    async def on_submitted(new_id: str) -> None:
        nonlocal provider_job_id
        provider_job_id = new_id
        await save_provider_job_id(rt, job_id, new_id)

    try:
        result = await rt.engine.transcribe(
            EngineRequest(audio=audio, language=job.language, mode=job.mode),
            provider_job_id=provider_job_id,
            on_submitted=on_submitted,
        )
    except PermanentEngineError as exc:
        PROVIDER_ERRORS.labels(kind="permanent").inc()
        await fail(rt, job_id, str(exc))
        _observe_duration(job, "failed")
        return
    except TransientEngineError as exc:
        PROVIDER_ERRORS.labels(kind="transient").inc()
        if is_last_attempt:
            log.error("job %s: provider still failing on the last attempt: %s", job_id, exc)
            await fail(
                rt,
                job_id,
                "The transcription service was unavailable for too long; please try again later.",
            )
            return
        log.warning("job %s: transient provider failure, will retry: %s", job_id, exc)
        raise
    except asyncio.CancelledError:
        if provider_job_id and cancel_at_provider():
            await _cancel_at_provider(rt.engine.cancel(provider_job_id))
        raise
    await store_result(rt, job, result)
    _observe_duration(job, "completed")
    log.info("job %s completed", job_id)


def _observe_duration(job: m.TranscriptionJob, status: str) -> None:
    if job.started_at is not None:
        JOB_DURATION.labels(status=status).observe((_now() - job.started_at).total_seconds())


async def _cancel_at_provider(cancel: Awaitable[None]) -> None:
    try:
        await asyncio.wait_for(cancel, timeout=10)
    except Exception:  # best effort: the user's cancel already stands in our database
        log.warning("could not cancel the provider's job", exc_info=True)

"""What the worker's job tasks do: short steps, none of which waits while a provider works.

- `submit`: claim the job, hand the audio to the engine and either finish at once (engines
  that work here) or save the provider's id and schedule a `check`.
- `check`: one status request; finish, fail, or schedule the next check a little later.

Exactly once at the provider: the audio URL is saved before the provider is asked, so a
retry after a lost answer first looks for that submission at the provider.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from procrastinate import App
from sqlalchemy import select

from transcribe.db import models as m
from transcribe.domain.jobs import cancellations, lifecycle
from transcribe.domain.jobs.metrics import JOB_DURATION, PROVIDER_ERRORS
from transcribe.domain.jobs.queueing import defer_check
from transcribe.domain.transcripts import document as transcript_document
from transcribe.domain.transcripts import store
from transcribe.domain.webhooks.queueing import defer_deliveries_of_job
from transcribe.engines.base import (
    AudioSource,
    EngineRequest,
    EngineResult,
    Finished,
    PermanentEngineError,
    TransientEngineError,
)
from transcribe.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)

PROVIDER_URL_TTL_S = 6 * 3600  # the provider may queue a while before fetching the audio
# A saved audio URL is handed over again for this long: a presigned one lives
# PROVIDER_URL_TTL_S, AssemblyAI keeps an upload 2 days; an hour is left for the provider's
# queue.
AUDIO_URL_REUSE_S = PROVIDER_URL_TTL_S - 3600


def reusable_audio_url(job: m.TranscriptionJob, now: datetime) -> str | None:
    """The audio URL an earlier attempt handed over (so a streamed file is not uploaded
    again), while it is still valid; None when a fresh one is needed."""
    saved_at = job.provider_audio_url_at
    if job.provider_audio_url is None or saved_at is None:
        return None
    return job.provider_audio_url if now - saved_at < timedelta(seconds=AUDIO_URL_REUSE_S) else None


GAVE_UP_MESSAGE = "The transcription service was unavailable for too long; please try again later."
FAILED_MESSAGE = (
    "The transcription failed on this server on every attempt; please try again later, and "
    "tell the server's operator if it happens again."
)


def _now() -> datetime:
    return datetime.now(UTC)


async def submit(app: App, rt: WorkerRuntime, job_id: UUID, *, is_last_attempt: bool) -> None:
    """Run one attempt. Raises TransientEngineError when the queue should retry later."""
    async with rt.sessions.begin() as session:
        job = await lifecycle.claim(session, job_id, rt.engine.name)
        if job is not None:
            content_type = await session.scalar(
                select(m.Upload.content_type).where(m.Upload.object_key == job.source_object_key)
            )
    if job is None:
        log.info("job %s has nothing left to do", job_id)
        return
    if job.provider_job_id:  # submitted by an earlier attempt: only the checks are left
        await defer_check(app, job_id, delay_s=0)
        return
    await _guarded(app, rt, job, is_last_attempt, _submit(app, rt, job, content_type))


async def _submit(
    app: App, rt: WorkerRuntime, job: m.TranscriptionJob, content_type: str | None
) -> None:
    if job.provider_audio_url:
        # An earlier attempt got as far as asking the provider; did the provider hear it?
        found = await rt.engine.find_submission(
            job.provider_audio_url, since=job.created_at - timedelta(minutes=5)
        )
        if found:
            log.info("job %s: found its earlier submission %s at the provider", job.id, found)
            # It may be done already, and its webhook gone unheard: look now.
            await _submitted(app, rt, job.id, found, check_in_s=0)
            return
    key = job.source_object_key
    info = await rt.storage.head(key)
    if info is None:
        await _fail(app, rt, job.id, "The uploaded file is no longer available.")
        return
    audio = AudioSource(
        filename=job.filename,
        content_type=content_type or "application/octet-stream",
        size=info.size,
        url=reusable_audio_url(job, _now())
        or await rt.storage.external_audio_url(key, expires_s=PROVIDER_URL_TTL_S),
        open_stream=lambda: rt.storage.read_stream(key),
    )

    async def on_audio_url(url: str) -> None:
        async with rt.sessions.begin() as session:
            await lifecycle.submitting(session, job.id, url)

    async def on_progress(percent: int) -> None:
        async with rt.sessions.begin() as session:
            await lifecycle.progress(session, job.id, percent)

    outcome = await rt.engine.start(
        EngineRequest(
            audio=audio,
            language=job.language,
            mode=job.mode,
            speakers_expected=job.speakers_expected,
            keyterms=tuple(job.keyterms or ()),
        ),
        job_id=str(job.id),
        on_audio_url=on_audio_url,
        on_progress=on_progress,
    )
    if isinstance(outcome, Finished):
        await _finish(app, rt, job, outcome.result)
    else:
        await _submitted(app, rt, job.id, outcome.provider_job_id)


async def _submitted(
    app: App,
    rt: WorkerRuntime,
    job_id: UUID,
    provider_job_id: str,
    *,
    check_in_s: float | None = None,
) -> None:
    async with rt.sessions.begin() as session:
        saved = await lifecycle.submitted(session, job_id, provider_job_id)
        if saved is None:
            # Cancelled (or finished) while we were submitting: the provider's copy is unwanted.
            unwanted = await cancellations.record_known(session, job_id, provider_job_id)
    if saved is None:
        log.info("job %s was cancelled during its submission", job_id)
        await cancellations.defer(app, unwanted)
        return
    delay_s = rt.first_check_delay_s if check_in_s is None else check_in_s
    await defer_check(app, job_id, delay_s=delay_s)


async def check(
    app: App, rt: WorkerRuntime, job_id: UUID, *, delay_s: float, is_last_attempt: bool
) -> None:
    """One status request to the provider for a submitted job."""
    async with rt.sessions() as session:
        job = await session.scalar(
            select(m.TranscriptionJob).where(
                m.TranscriptionJob.id == job_id,
                m.TranscriptionJob.status == m.JobStatus.PROCESSING.value,
            )
        )
    if job is None or job.provider_job_id is None:
        return  # finished, cancelled, or not submitted yet (its submit task schedules checks)
    await _guarded(app, rt, job, is_last_attempt, _check(app, rt, job, delay_s))


async def _check(app: App, rt: WorkerRuntime, job: m.TranscriptionJob, delay_s: float) -> None:
    assert job.provider_job_id is not None
    outcome = await rt.engine.check(job.provider_job_id)
    if isinstance(outcome, Finished):
        await _finish(app, rt, job, outcome.result)
        return
    if outcome.progress is not None:
        async with rt.sessions.begin() as session:
            await lifecycle.progress(session, job.id, outcome.progress)
    await defer_check(app, job.id, delay_s=rt.next_check_delay_s(delay_s))


async def _guarded(
    app: App,
    rt: WorkerRuntime,
    job: m.TranscriptionJob,
    is_last_attempt: bool,
    step: Awaitable[None],
) -> None:
    """Turn the engine's errors into the job's fate: failed, or retried by the queue."""
    try:
        await step
    except PermanentEngineError as exc:
        PROVIDER_ERRORS.labels(kind="permanent").inc()
        await _fail(app, rt, job.id, str(exc))
        _observe_duration(job, m.JobStatus.FAILED)
    except TransientEngineError as exc:
        PROVIDER_ERRORS.labels(kind="transient").inc()
        if is_last_attempt:
            log.error("job %s: provider still failing on the last attempt: %s", job.id, exc)
            await _fail(app, rt, job.id, GAVE_UP_MESSAGE)
            return
        log.warning("job %s: transient provider failure, will retry: %s", job.id, exc)
        raise
    except Exception:
        # Anything else (an OSError, a crash in the engine): the queue retries it; on the
        # last attempt the job ends, so that nothing stays `processing` for good.
        if not is_last_attempt:
            raise
        log.exception("job %s: failed on its last attempt", job.id)
        await _fail(app, rt, job.id, FAILED_MESSAGE)


async def _fail(app: App, rt: WorkerRuntime, job_id: UUID, message: str) -> None:
    async with rt.sessions.begin() as session:
        failed = await lifecycle.fail(session, job_id, message)
    if failed is not None:
        log.info("job %s failed: %s", job_id, message)
        await defer_deliveries_of_job(app, rt, job_id)


async def _finish(
    app: App, rt: WorkerRuntime, job: m.TranscriptionJob, result: EngineResult
) -> None:
    document = transcript_document.from_result(job.id, result, mode=job.mode, language=job.language)
    key = await store.save_document(rt.storage, job.user_id, document)
    async with rt.sessions.begin() as session:
        completed = await lifecycle.complete(
            session,
            job.id,
            result_object_key=key,
            detected_language=result.detected_language,
            language_confidence=result.language_confidence,
            audio_duration_s=result.audio_duration_s,
        )
        if completed is not None:
            await store.save_search_text(session, job.id, result.text)
    if completed is None:
        # Cancelled or deleted while the engine worked: keep nothing.
        await rt.storage.delete_prefix(store.results_prefix(job.user_id, job.id))
        return
    _observe_duration(job, m.JobStatus.COMPLETED)
    log.info("job %s completed", job.id)
    await defer_deliveries_of_job(app, rt, job.id)


def _observe_duration(job: m.TranscriptionJob, status: m.JobStatus) -> None:
    if job.started_at is not None:
        JOB_DURATION.labels(status=status.value).observe((_now() - job.started_at).total_seconds())

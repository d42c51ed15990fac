from __future__ import annotations

import logging
from typing import Annotated
from uuid import UUID

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from litestar.response import ServerSentEvent

from transcribe.db import models as m
from transcribe.domain.accounts import usage
from transcribe.domain.jobs import events, lifecycle, speaker_names
from transcribe.domain.jobs.deps import job_service_deps
from transcribe.domain.jobs.queueing import defer_cancel_at_provider, defer_submit
from transcribe.domain.jobs.schemas import DownloadLink, Job, JobCreate, JobPage, job_view
from transcribe.domain.jobs.services import JobService
from transcribe.domain.transcripts import store
from transcribe.domain.transcripts.document import TranscriptDocument, speakers, with_names
from transcribe.domain.transcripts.render import FORMATS
from transcribe.engines import TranscriptionEngine, is_supported_language
from transcribe.lib.errors import ConflictError, PaymentRequiredError
from transcribe.lib.openapi import errors
from transcribe.lib.pagination import MAX_OFFSET
from transcribe.queue import LazyQueue
from transcribe.settings import Settings
from transcribe.storage import Storage

log = logging.getLogger(__name__)

MAX_KEYTERM_WORDS = 6

User = Request[m.User, object, object]


class JobController(Controller):
    path = "/jobs"
    tags = ["Transcription jobs"]
    dependencies = job_service_deps

    @post(
        "/",
        status_code=201,
        summary="Start transcribing an uploaded file",
        responses=errors(
            400,
            401,
            402,
            404,
            409,
            e400="Unknown language or mode, `dialogue` with an engine that cannot tell "
            "speakers apart, bad hints, or a malformed body",
            e404="No such uploaded file, or not yours",
            e409="The upload is not completed",
        ),
    )
    async def create_job(
        self,
        request: User,
        data: JSONBody[JobCreate],
        jobs_service: NamedDependency[JobService],
        engine: NamedDependency[TranscriptionEngine],
        queue: NamedDependency[LazyQueue],
        settings: NamedDependency[Settings],
    ) -> Job:
        language = data.language.strip().lower()
        if not is_supported_language(engine, language):
            raise ValidationException(
                detail=f"Unsupported language {data.language!r}: use an ISO 639-1 code the "
                "engine supports (en, ru, de, ...) or 'auto'"
            )
        if data.mode == "dialogue" and not engine.diarization:
            raise ValidationException(
                detail=f"The {engine.name} engine cannot tell speakers apart: use mode 'mono'"
            )
        if data.speakers_expected is not None and data.mode != "dialogue":
            raise ValidationException(detail="speakers_expected is only for mode 'dialogue'")
        keyterms = _clean_keyterms(data.keyterms)
        quota = usage.quota_seconds(request.user, settings.auth.quota_monthly_audio_minutes)
        if quota is not None:
            used = await usage.used_this_month(jobs_service.session, request.user.id)
            if used >= quota:
                raise PaymentRequiredError(
                    detail=f"This month's audio quota ({quota // 60} minutes) is used up; "
                    "it renews on the 1st (UTC)"
                )
        job = await jobs_service.create_for_upload(
            request.user.id,
            data.object_key,
            language,
            data.mode,
            speakers_expected=data.speakers_expected,
            keyterms=keyterms,
        )
        try:
            job.queue_job_id = await defer_submit(await queue.get(), job.id)
        except Exception:
            # The job is saved; the recovery task queues it once the queue answers again.
            log.exception("could not queue job %s now; recovery will", job.id)
        return job_view(job)

    @get(
        "/",
        summary="List your jobs, newest first, or search them",
        description="With `q`, only jobs whose transcript or file name has its words, best "
        "match first (words as written, any language; quotes for a phrase, `-word` to "
        "exclude).",
        responses=errors(400, 401),
    )
    async def list_jobs(
        self,
        request: User,
        jobs_service: NamedDependency[JobService],
        status: FromQuery[m.JobStatus | None] = None,
        q: Annotated[
            str | None, Parameter(min_length=1, max_length=200, pattern=r"^[^\x00]*$")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        offset: Annotated[int, Parameter(ge=0, le=MAX_OFFSET)] = 0,
    ) -> JobPage:
        if q is not None and q.strip():
            rows, total = await jobs_service.search_for_user(
                request.user.id, q, status, limit, offset
            )
        else:
            rows, total = await jobs_service.page_for_user(request.user.id, status, limit, offset)
        return JobPage(
            items=[job_view(row) for row in rows], total=total, limit=limit, offset=offset
        )

    @get("/{job_id:uuid}", summary="One job", responses=errors(401, 404))
    async def get_job(
        self, request: User, job_id: FromPath[UUID], jobs_service: NamedDependency[JobService]
    ) -> Job:
        return job_view(await jobs_service.get_owned(request.user.id, job_id))

    @get(
        "/{job_id:uuid}/events",
        summary="Server-Sent Events of one job: its state now, then each change",
        description="Each event is `event: job` with the job JSON as `data`. The stream ends "
        "after a final status (`completed`, `failed`, `cancelled`); a comment line at least "
        "every 15 seconds keeps an idle stream open.",
        media_type="text/event-stream",
        responses=errors(401, 404, 503),
    )
    async def job_events(
        self,
        request: User,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        event_hub: NamedDependency[events.JobEventHub],
        settings: NamedDependency[Settings],
    ) -> ServerSentEvent:
        await jobs_service.get_owned(request.user.id, job_id)  # 404 before streaming
        subscriber = await _subscribe(event_hub, request.user.id, job_id)
        # Read after subscribing: a change in between arrives as an event, none is lost.
        try:
            current = job_view(await jobs_service.get_owned(request.user.id, job_id))
        except Exception:
            event_hub.unsubscribe(subscriber)
            raise
        return ServerSentEvent(
            events.stream(
                event_hub, subscriber, initial=current, keepalive_s=settings.events.keepalive_s
            )
        )

    @get(
        "/{job_id:uuid}/download",
        summary="A signed URL to the transcript file",
        responses=errors(
            400, 401, 404, 409, e400="Unknown format", e409="The job is not completed"
        ),
    )
    async def download(
        self,
        request: User,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        storage: NamedDependency[Storage],
        settings: NamedDependency[Settings],
        format: FromQuery[str] = "txt",
    ) -> DownloadLink:
        if format not in FORMATS:
            raise ValidationException(
                detail=f"Unknown format {format!r}; available: {', '.join(FORMATS)}"
            )
        job = await _completed(jobs_service, request.user.id, job_id)
        signed = await store.rendered_link(
            storage, jobs_service.session, job, format, expires_s=settings.storage.url_ttl_s
        )
        return DownloadLink(url=signed.url, format=format, expires_at=signed.expires_at)

    @get(
        "/{job_id:uuid}/transcript",
        summary="The transcript document: text, utterances and word timings",
        description="Speaker names set with PATCH /jobs/{id}/speakers appear as `speaker_name`.",
        responses=errors(401, 404, 409, e409="The job is not completed"),
    )
    async def transcript(
        self,
        request: User,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        storage: NamedDependency[Storage],
    ) -> TranscriptDocument:
        job = await _completed(jobs_service, request.user.id, job_id)
        document = await store.load_document(storage, jobs_service.session, job)
        return with_names(document, dict(job.speaker_names or {}))

    @patch(
        "/{job_id:uuid}/speakers",
        summary="Name the speakers of a transcript",
        description='`{"A": "Alice", "B": "Bob"}`; a `null` name removes one. The names '
        "appear in the transcript and in every download format from then on.",
        responses=errors(
            400,
            401,
            404,
            409,
            e400="A label the transcript does not have, or a name that is empty or longer "
            "than 64 characters",
            e409="The job is not completed",
        ),
    )
    async def name_speakers(
        self,
        request: User,
        job_id: FromPath[UUID],
        data: JSONBody[dict[str, str | None]],
        jobs_service: NamedDependency[JobService],
        storage: NamedDependency[Storage],
    ) -> Job:
        job = await _completed(jobs_service, request.user.id, job_id, for_update=True)
        known = speakers(await store.load_document(storage, jobs_service.session, job))
        old = dict(job.speaker_names or {})
        names = {**old, **speaker_names.clean(data, known)}
        names = {label: name for label, name in names.items() if name is not None}
        renamed = await lifecycle.rename_speakers(jobs_service.session, job.id, names)
        await jobs_service.session.commit()
        if names != old:
            await store.forget_renders(storage, job, old)
        return job_view(renamed or job)

    @delete(
        "/{job_id:uuid}",
        status_code=204,
        summary="Cancel an unfinished job, or delete a finished one",
        responses=errors(401, 404),
    )
    async def delete_job(
        self,
        request: User,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        storage: NamedDependency[Storage],
        queue: NamedDependency[LazyQueue],
    ) -> None:
        job = await jobs_service.get_owned(request.user.id, job_id, for_update=True)
        result_key = job.result_object_key
        cancelled = await lifecycle.cancel(jobs_service.session, job.id)
        await jobs_service.delete_transcript(job.id)
        if cancelled is None:  # finished already: delete it
            await jobs_service.session.delete(job)
        await jobs_service.session.commit()
        if cancelled is not None:
            await _stop_queue_job(queue, cancelled.queue_job_id, cancelled.provider_job_id)
        if result_key:
            await storage.delete_prefix(store.results_prefix(job.user_id, job.id))


class EventController(Controller):
    path = "/events"
    tags = ["Transcription jobs"]

    @get(
        "/",
        summary="Server-Sent Events of all your jobs",
        description="One `event: job` with the job JSON per change of any of your jobs. The "
        "stream stays open; a comment line at least every 15 seconds keeps it alive. It ends "
        "when this server loses its database connection: reconnect and re-read the jobs.",
        media_type="text/event-stream",
        responses=errors(401, 503),
    )
    async def user_events(
        self,
        request: User,
        event_hub: NamedDependency[events.JobEventHub],
        settings: NamedDependency[Settings],
    ) -> ServerSentEvent:
        subscriber = await _subscribe(event_hub, request.user.id, None)
        return ServerSentEvent(
            events.stream(
                event_hub, subscriber, initial=None, keepalive_s=settings.events.keepalive_s
            )
        )


async def _completed(
    jobs_service: JobService, user_id: UUID, job_id: UUID, *, for_update: bool = False
) -> m.TranscriptionJob:
    job = await jobs_service.get_owned(user_id, job_id, for_update=for_update)
    if job.status != m.JobStatus.COMPLETED.value or not job.result_object_key:
        raise ConflictError(detail=f"The job is {job.status}; its transcript is not ready")
    return job


def _clean_keyterms(keyterms: list[str]) -> list[str]:
    cleaned: dict[str, None] = {}
    for term in keyterms:
        term = " ".join(term.split())
        if not term:
            raise ValidationException(detail="keyterms must not be blank")
        if len(term.split()) > MAX_KEYTERM_WORDS:
            raise ValidationException(
                detail=f"keyterms are words or short phrases (at most {MAX_KEYTERM_WORDS} words)"
            )
        cleaned[term] = None
    return list(cleaned)


async def _subscribe(
    hub: events.JobEventHub, user_id: UUID, job_id: UUID | None
) -> events.Subscriber:
    try:
        return await hub.subscribe(user_id, job_id)
    except events.EventsUnavailableError:
        raise ServiceUnavailableException(
            detail="Job events are unavailable right now; poll GET /jobs/{id} meanwhile"
        ) from None


async def _stop_queue_job(
    queue: LazyQueue, queue_job_id: int | None, provider_job_id: str | None
) -> None:
    """Drop a waiting submission or abort a running one, and cancel at the provider.

    Best effort: the job row already says `cancelled`, and every task checks that before
    saving anything (a submission that completes after this cancels its own provider job).
    """
    try:
        app = await queue.get()
    except Exception:
        log.exception("could not reach the queue to stop job %s", queue_job_id)
        return
    if provider_job_id is not None:
        try:
            await defer_cancel_at_provider(app, provider_job_id)
        except Exception:
            log.exception("could not queue the provider-side cancel of %s", provider_job_id)
    if queue_job_id is not None:
        try:
            await app.job_manager.cancel_job_by_id_async(queue_job_id, abort=True)
        except Exception:
            log.exception("could not stop queue job %s", queue_job_id)

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Annotated
from uuid import UUID

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from transcribe.db import models as m
from transcribe.domain.jobs.deps import job_service_deps
from transcribe.domain.jobs.results import FORMATS
from transcribe.domain.jobs.schemas import DownloadLink, Job, JobCreate, JobPage, JobStatusName
from transcribe.domain.jobs.services import JobService, to_job
from transcribe.engines import TranscriptionEngine, is_supported_language
from transcribe.lib.errors import ConflictError
from transcribe.lib.openapi import errors
from transcribe.lib.pagination import MAX_OFFSET
from transcribe.queue import LazyQueue, defer_transcription
from transcribe.settings import Settings
from transcribe.storage import Storage

log = logging.getLogger(__name__)

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
            404,
            409,
            e400="Unknown language or mode, or a malformed body",
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
    ) -> Job:
        language = data.language.strip().lower()
        if not is_supported_language(engine, language):
            raise ValidationException(
                detail=f"Unsupported language {data.language!r}: use an ISO 639-1 code the "
                "engine supports (en, ru, de, ...) or 'auto'"
            )
        job = await jobs_service.create_for_upload(
            request.user.id, data.object_key, language, data.mode
        )
        try:
            job.queue_job_id = await defer_transcription(await queue.get(), job.id)
        except Exception:
            # The job is saved; the recovery task queues it once the queue answers again.
            log.exception("could not queue job %s now; recovery will", job.id)
        return to_job(job)

    @get("/", summary="List your jobs, newest first", responses=errors(400, 401))
    async def list_jobs(
        self,
        request: User,
        jobs_service: NamedDependency[JobService],
        status: FromQuery[JobStatusName | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        offset: Annotated[int, Parameter(ge=0, le=MAX_OFFSET)] = 0,
    ) -> JobPage:
        rows, total = await jobs_service.page_for_user(request.user.id, status, limit, offset)
        return JobPage(items=[to_job(row) for row in rows], total=total, limit=limit, offset=offset)

    @get("/{job_id:uuid}", summary="One job", responses=errors(401, 404))
    async def get_job(
        self, request: User, job_id: FromPath[UUID], jobs_service: NamedDependency[JobService]
    ) -> Job:
        return to_job(await jobs_service.get_owned(request.user.id, job_id))

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
        job = await jobs_service.get_owned(request.user.id, job_id)
        if job.status != m.JobStatus.COMPLETED.value or not job.result_object_key:
            raise ConflictError(detail=f"The job is {job.status}; its transcript is not ready")
        name = f"{PurePosixPath(job.filename).stem or 'transcript'}.{format}"
        signed = await storage.presign_get(
            job.result_object_key, expires_s=settings.storage.url_ttl_s, filename=name
        )
        return DownloadLink(url=signed.url, format=format, expires_at=signed.expires_at)

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
        if job.status in (m.JobStatus.PENDING.value, m.JobStatus.PROCESSING.value):
            job.status = m.JobStatus.CANCELLED.value
            job.completed_at = datetime.now(UTC)
            job.result_object_key = None
            queue_job_id = job.queue_job_id
            await jobs_service.delete_transcript(job.id)
            await jobs_service.session.commit()
            if queue_job_id is not None:
                await _stop_queue_job(queue, queue_job_id)
        else:
            await jobs_service.delete_transcript(job.id)
            await jobs_service.session.delete(job)
            await jobs_service.session.commit()
        if result_key:
            await storage.delete(result_key)


async def _stop_queue_job(queue: LazyQueue, queue_job_id: int) -> None:
    """Drop a waiting queue job, or ask a running one to abort.

    Best effort: the job row already says `cancelled`, and a worker that still runs it
    checks that before saving anything.
    """
    try:
        app = await queue.get()
        await app.job_manager.cancel_job_by_id_async(queue_job_id, abort=True)
    except Exception:
        log.exception("could not stop queue job %s", queue_job_id)

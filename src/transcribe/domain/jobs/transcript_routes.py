"""Transcript routes: downloads in every format, speaker names (the document itself and
edits to its words are in `transcript_edit_routes.py`); under /jobs, so in the jobs package,
which owns those paths."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.jobs import lifecycle, speaker_names
from transcribe.domain.jobs.deps import job_service_deps
from transcribe.domain.jobs.schemas import DownloadLink, Job, job_view
from transcribe.domain.jobs.services import JobService
from transcribe.domain.transcripts import store
from transcribe.domain.transcripts.document import speakers
from transcribe.domain.transcripts.render import FORMATS
from transcribe.lib.errors import Conflict, InvalidInput
from transcribe.lib.openapi import errors
from transcribe.settings import Settings
from transcribe.storage import Storage


class TranscriptController(Controller):
    path = "/jobs"
    tags = ["Transcription jobs"]
    dependencies = job_service_deps

    @get(
        "/{job_id:uuid}/download",
        summary="A signed URL to the transcript file",
        responses=errors(
            400, 401, 404, 409, e400="Unknown format", e409="The job is not completed"
        ),
    )
    async def download(
        self,
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        db_session: NamedDependency[AsyncSession],
        storage: NamedDependency[Storage],
        settings: NamedDependency[Settings],
        # The formats as an enum in the document; checked here, for the message listing them.
        format: Annotated[str, QueryParameter(schema_extra={"enum": list(FORMATS)})] = "txt",
    ) -> DownloadLink:
        """A signed URL (no Authorization needed, short-lived) to the transcript in `format`: txt,
        srt, vtt, json or docx, with the speakers' names.
        """
        if format not in FORMATS:
            raise InvalidInput(detail=f"Unknown format {format!r}; available: {', '.join(FORMATS)}")
        job = await completed_job(jobs_service, current_user.id, job_id)
        signed = await store.rendered_link(
            storage, db_session, job, format, expires_s=settings.storage.url_ttl_s
        )
        return DownloadLink(url=signed.url, format=format, expires_at=signed.expires_at)

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
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        data: Annotated[
            dict[str, str | None],
            Body(
                examples=[Example(summary="Two speakers named", value={"A": "Alice", "B": "Bob"})]
            ),
        ],
        jobs_service: NamedDependency[JobService],
        db_session: NamedDependency[AsyncSession],
        storage: NamedDependency[Storage],
    ) -> Job:
        job = await completed_job(jobs_service, current_user.id, job_id, for_update=True)
        document = await store.load_document(storage, db_session, job)
        old = dict(job.speaker_names or {})
        names = {**old, **speaker_names.clean(data, speakers(document))}
        names = {label: name for label, name in names.items() if name is not None}
        renamed = await lifecycle.rename_speakers(db_session, job.id, names)
        await db_session.commit()
        if names != old:
            await store.forget_renders(storage, job, old, document.revision)
        return job_view(renamed or job)


async def completed_job(
    jobs_service: JobService, user_id: UUID, job_id: UUID, *, for_update: bool = False
) -> m.TranscriptionJob:
    job = await jobs_service.get_owned(user_id, job_id, for_update=for_update)
    if job.status != m.JobStatus.COMPLETED.value or not job.result_object_key:
        raise Conflict(detail=f"The job is {job.status}; its transcript is not ready")
    return job

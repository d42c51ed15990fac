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

from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.jobs import transcript_changes
from transcribe.domain.jobs.deps import job_service_deps
from transcribe.domain.jobs.schemas import DownloadLink, Job, job_view
from transcribe.domain.jobs.services import JobService
from transcribe.domain.transcripts import store
from transcribe.domain.transcripts.render import FORMATS
from transcribe.lib.errors import InvalidInput
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
        job = await jobs_service.get_completed(current_user.id, job_id)
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
        job = await jobs_service.get_completed(current_user.id, job_id, for_update=True)
        return job_view(await transcript_changes.rename_speakers(storage, db_session, job, data))

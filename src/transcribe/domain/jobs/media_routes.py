"""Playback of a job's recording: a short-lived signed URL to the uploaded media.

The URL answers `Range` requests with 206 whatever the backend (S3 natively; the service's
own signed download route for the local ones), so a browser's `<audio>` can seek.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.jobs.deps import job_service_deps
from transcribe.domain.jobs.services import JobService, ensure_media_available
from transcribe.lib.errors import Gone
from transcribe.lib.openapi import errors
from transcribe.lib.schema import Schema
from transcribe.settings import Settings
from transcribe.storage import Storage

MEDIA_GONE = "The media of this job was deleted"


class MediaLink(Schema):
    """A short-lived signed URL to a job's recording, for playback: it needs no Authorization
    header and answers `Range` requests with 206."""

    url: str
    content_type: str
    expires_at: datetime


async def playable_upload(
    storage: Storage, session: AsyncSession, job: m.TranscriptionJob
) -> m.Upload:
    """The job's upload while its media is there; `Gone` once it was deleted (under retention,
    by DELETE /files, or missing from storage)."""
    upload = await session.scalar(
        select(m.Upload).where(
            m.Upload.object_key == job.source_object_key, m.Upload.user_id == job.user_id
        )
    )
    if upload is None:  # deleted with DELETE /files
        raise Gone(detail=MEDIA_GONE)
    ensure_media_available(upload)  # 410 once retention expired it
    if upload.media_deleted_at is not None or await storage.head(upload.object_key) is None:
        raise Gone(detail=MEDIA_GONE)
    return upload


async def media_link(
    storage: Storage, session: AsyncSession, job: m.TranscriptionJob, *, expires_s: int
) -> MediaLink:
    """A signed playback URL to the job's upload; `Gone` once its media was deleted."""
    upload = await playable_upload(storage, session, job)
    signed = await storage.presign_get(upload.object_key, expires_s=expires_s)
    return MediaLink(url=signed.url, content_type=upload.content_type, expires_at=signed.expires_at)


class JobMediaController(Controller):
    path = "/jobs"
    tags = ["Transcription jobs"]
    dependencies = job_service_deps

    @get(
        "/{job_id:uuid}/media",
        summary="A signed URL to the job's recording, for playback",
        responses=errors(
            401,
            404,
            410,
            e410="The media was deleted (MEDIA_RETENTION_DAYS, or the upload was deleted)",
        ),
    )
    async def media(
        self,
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        db_session: NamedDependency[AsyncSession],
        storage: NamedDependency[Storage],
        settings: NamedDependency[Settings],
    ) -> MediaLink:
        """A short-lived signed URL (no Authorization needed) to the uploaded recording, with
        its content type. The URL answers `Range: bytes=...` with 206 and `Content-Range`, so
        players can seek; the local backends serve it inline with the upload's type.
        """
        job = await jobs_service.get_owned(current_user.id, job_id)
        return await media_link(storage, db_session, job, expires_s=settings.storage.url_ttl_s)

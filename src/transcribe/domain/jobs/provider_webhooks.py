"""`POST /webhooks/assemblyai`: AssemblyAI says a transcript is done; we look at it now.

The body is trusted for nothing but "look at this transcript": the check task asks the
provider itself. The secret header is the one the worker gave AssemblyAI with the job.
"""

from __future__ import annotations

import hmac
import logging
from uuid import UUID

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.db.outage import is_database_outage
from transcribe.domain.jobs.catch_up import CatchUp
from transcribe.domain.jobs.queueing import defer_check_now
from transcribe.engines import ASSEMBLYAI_WEBHOOK_PATH
from transcribe.engines.assemblyai import WEBHOOK_SECRET_HEADER
from transcribe.lib.errors import InvalidInput, NotAuthenticated
from transcribe.lib.openapi import errors
from transcribe.lib.schema import Schema
from transcribe.queue import LazyQueue
from transcribe.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


class ProviderNotice(msgspec.Struct):
    """What AssemblyAI posts; other fields are ignored."""

    transcript_id: str
    status: str | None = None


class Received(Schema):
    """The notice was taken (the job is looked at right away)."""

    received: bool


class ProviderWebhookController(Controller):
    path = ASSEMBLYAI_WEBHOOK_PATH
    tags = ["Provider webhooks"]

    @post(
        "/",
        status_code=200,
        exclude_from_auth=True,
        security=[],
        summary="AssemblyAI's notice that a transcript is done (called by AssemblyAI)",
        description=f"Needs the `{WEBHOOK_SECRET_HEADER}` header with ASSEMBLYAI_WEBHOOK_SECRET.",
        responses=errors(400, 401, e401="Missing or wrong secret header"),
        request_max_body_size=MAX_BODY_BYTES,
    )
    async def assemblyai(
        self,
        request: Request,
        settings: NamedDependency[Settings],
        queue: NamedDependency[LazyQueue],
        db_session: NamedDependency[AsyncSession],
        provider_catch_up: NamedDependency[CatchUp],
        job_id: FromQuery[UUID | None] = None,
    ) -> Received:
        secret = settings.transcription.assemblyai_webhook_secret
        given = request.headers.get(WEBHOOK_SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            raise NotAuthenticated(detail="Missing or wrong webhook secret")
        try:
            notice = msgspec.json.decode(await request.body(), type=ProviderNotice)
        except msgspec.DecodeError as exc:
            raise InvalidInput(detail=f"Not a transcript notice: {exc}") from None
        try:
            return await self._look_at(db_session, queue, notice, job_id)
        except Exception as exc:
            # The provider retries for a minute or two, then gives up: once the database is
            # back, every job at the provider is checked (this call may have been its last).
            if is_database_outage(exc):
                provider_catch_up.needed()
            raise

    @staticmethod
    async def _look_at(
        db_session: AsyncSession,
        queue: LazyQueue,
        notice: ProviderNotice,
        job_id: UUID | None,
    ) -> Received:
        job = await db_session.scalar(
            select(m.TranscriptionJob.id).where(
                m.TranscriptionJob.id == job_id
                if job_id is not None
                else m.TranscriptionJob.provider_job_id == notice.transcript_id,
                m.TranscriptionJob.status == m.JobStatus.PROCESSING.value,
                # Before its id is saved, a job's own submission schedules the check.
                (m.TranscriptionJob.provider_job_id == notice.transcript_id)
                | m.TranscriptionJob.provider_job_id.is_(None),
            )
        )
        if job is None:
            log.info("provider webhook for %s: no such running job", notice.transcript_id)
            return Received(received=True)
        await defer_check_now(await queue.get(), job)
        return Received(received=True)

from __future__ import annotations

import asyncio

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.response import Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from transcribe.domain.jobs.schemas import Engine
from transcribe.domain.transcripts.render import FORMATS
from transcribe.engines import TranscriptionEngine, offered_languages
from transcribe.lib.schema import Schema
from transcribe.settings import Settings


class Health(Schema):
    """The process's (or the database's) state."""

    status: str


class SystemController(Controller):
    tags = ["Operations"]

    @get("/health", exclude_from_auth=True, summary="Liveness: the process is up")
    async def health(self) -> Health:
        """200 while the process is up; it asks nothing of the database (use /ready for that)."""
        return Health(status="ok")

    @get(
        "/ready",
        exclude_from_auth=True,
        summary="Readiness: the database answers",
        responses={
            503: ResponseSpec(data_container=Health, description="The database does not answer")
        },
    )
    async def ready(self, db_engine: NamedDependency[AsyncEngine]) -> Response[Health]:
        """200 when the database answers within 3 seconds, else 503: take the instance out of
        rotation.
        """
        try:
            async with asyncio.timeout(3):
                async with db_engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception:
            return Response(Health(status="database unavailable"), status_code=503)
        return Response(Health(status="ok"))

    @get(
        "/engine",
        exclude_from_auth=True,
        summary="What the configured recognition engine offers",
        description="Languages (ISO 639-1, plus `auto`), whether `dialogue` mode is offered, "
        "the download formats and the largest upload: check arguments before uploading.",
    )
    async def engine_info(
        self,
        engine: NamedDependency[TranscriptionEngine],
        settings: NamedDependency[Settings],
    ) -> Engine:
        return Engine(
            name=engine.name,
            languages=offered_languages(engine),
            diarization=engine.diarization,
            formats=list(FORMATS),
            max_upload_bytes=settings.storage.max_upload_bytes,
        )

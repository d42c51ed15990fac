from __future__ import annotations

import asyncio

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.response import Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from transcribe.lib.schema import Schema


class Health(Schema):
    status: str


class SystemController(Controller):
    tags = ["Operations"]

    @get("/health", exclude_from_auth=True, summary="Liveness: the process is up")
    async def health(self) -> Health:
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
        try:
            async with asyncio.timeout(3):
                async with db_engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception:
            return Response(Health(status="database unavailable"), status_code=503)
        return Response(Health(status="ok"))

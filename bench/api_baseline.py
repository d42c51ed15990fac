"""The baseline bench/api.py measures the project against: a bare Litestar app with
(a) a hello endpoint, (b) one raw asyncpg primary-key select, (c) one SQLAlchemy ORM
primary-key select through an AsyncSession (`session.get`), each returning the row as JSON.

Served by uvicorn like the project (`uvicorn --factory bench.api_baseline:create_app`);
DATABASE_URL (plain `postgresql://`) and DATABASE_POOL_SIZE come from the environment.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
from litestar import Litestar, get
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from transcribe.db import models as m


def create_app() -> Litestar:
    url = os.environ["DATABASE_URL"]
    pool_size = int(os.environ.get("DATABASE_POOL_SIZE", "10"))
    engine = create_async_engine(
        url.replace("postgresql://", "postgresql+asyncpg://", 1),
        pool_size=pool_size,
        max_overflow=0,
    )
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    pool: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        pool["raw"] = await asyncpg.create_pool(url, min_size=pool_size, max_size=pool_size)
        try:
            yield
        finally:
            await pool["raw"].close()
            await engine.dispose()

    @get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @get("/raw/{job_id:uuid}")
    async def raw(job_id: UUID) -> dict[str, Any]:
        row = await pool["raw"].fetchrow(
            "SELECT id, status, language, mode, filename, created_at "
            "FROM transcription_jobs WHERE id = $1",
            job_id,
        )
        return dict(row)

    @get("/orm/{job_id:uuid}")
    async def orm(job_id: UUID) -> dict[str, Any]:
        async with sessions() as session:
            job = await session.get(m.TranscriptionJob, job_id)
            assert job is not None
            return {
                "id": job.id,
                "status": job.status,
                "language": job.language,
                "mode": job.mode,
                "filename": job.filename,
                "created_at": job.created_at,
            }

    return Litestar([hello, raw, orm], lifespan=[lifespan], openapi_config=None)

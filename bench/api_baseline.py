"""The baseline bench/api.py measures the project against: a bare Litestar app with
(a) a hello endpoint, (b) one raw asyncpg primary-key select, (c) one SQLAlchemy ORM
primary-key select through an AsyncSession (`session.get`), each returning the row as JSON;
(d) a user's 20 newest jobs with their total, from one SQLAlchemy Core query (the total a
window count), msgspec-encoded; (e) a job created: the same row the project inserts and the
same procrastinate task deferred (same task, lock and queueing lock), in one transaction
on one connection.

The bare app knows nobody: (d) and (e) take the user (and (e) the upload's file name) from
the query string, and check nothing.

Served by uvicorn like the project (`uvicorn --factory bench.api_baseline:create_app`);
DATABASE_URL (plain `postgresql://`) and DATABASE_POOL_SIZE come from the environment.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from advanced_alchemy.mixins.uuid import uuid7
from litestar import Litestar, Response, get, post
from sqlalchemy import bindparam, insert, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from transcribe.db import models as m

# The fields of the project's Job schema.
NEWEST_JOBS = text(
    "SELECT id, status, language, mode, source_object_key AS object_key, filename, created_at, "
    "updated_at, started_at, completed_at, error_message, detected_language, "
    "language_confidence, audio_duration_s, engine, progress, speaker_names, "
    "count(*) OVER () AS total FROM transcription_jobs "
    "WHERE user_id = :user_id ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"
)
# What procrastinate's `defer_async` runs (its `defer_jobs` query), for one job.
DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW("
    "'default', 'transcribe_job', 0, CAST(:lock AS text), CAST(:lock AS text), "
    "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1])) AS id"
).bindparams(bindparam("args", type_=JSONB))


class NewJob(msgspec.Struct):
    object_key: str
    language: str
    mode: str


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

    @get("/jobs")
    async def jobs_page(user: UUID, limit: int = 20, offset: int = 0) -> Response[bytes]:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    NEWEST_JOBS, {"user_id": user, "limit": limit, "offset": offset}
                )
            ).mappings()
            items = [dict(row) for row in rows]
        total = items[0]["total"] if items else 0
        for item in items:
            del item["total"]
        page = {"items": items, "limit": limit, "offset": offset, "total": total}
        return Response(msgspec.json.encode(page), media_type="application/json")

    @post("/jobs", status_code=201)
    async def create_job(data: NewJob, user: UUID, filename: str) -> Response[bytes]:
        job_id, now = uuid7(), datetime.now(UTC)
        lock = f"transcription-job:{job_id}"
        row = {
            "id": job_id,
            "user_id": user,
            "status": "pending",
            "language": data.language,
            "mode": data.mode,
            "source_object_key": data.object_key,
            "filename": filename,
            "engine": "stub",
            "speaker_names": {},
            "created_at": now,
            "updated_at": now,
        }
        async with engine.begin() as connection:
            queue_job_id = await connection.scalar(
                DEFER, {"lock": lock, "args": {"job_id": str(job_id)}}
            )
            await connection.execute(
                insert(m.TranscriptionJob.__table__), {**row, "queue_job_id": queue_job_id}
            )
        return Response(msgspec.json.encode(row), media_type="application/json", status_code=201)

    return Litestar(
        [hello, raw, orm, jobs_page, create_job], lifespan=[lifespan], openapi_config=None
    )

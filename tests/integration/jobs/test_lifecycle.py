"""The one owner of a job's life, on the real database: conditional changes settle races,
and each change is announced with NOTIFY exactly when it is committed."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from transcribe.db import models as m
from transcribe.domain.jobs import lifecycle
from transcribe.settings import Settings


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(settings.db.async_url)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def new_job(sessions: async_sessionmaker[AsyncSession]) -> m.TranscriptionJob:
    async with sessions.begin() as session:
        user = m.User(email=f"life-{uuid.uuid4().hex[:8]}@example.com", password_hash="x")
        session.add(user)
        await session.flush()
        upload = m.Upload(
            user_id=user.id,
            object_key=f"uploads/{user.id}/{uuid.uuid4()}/a.wav",
            filename="a.wav",
            size=1,
            content_type="audio/wav",
            status=m.UploadStatus.UPLOADED.value,
        )
        session.add(upload)
        await session.flush()
        return await lifecycle.create(
            session, user_id=user.id, upload=upload, language="en", mode="mono", engine="stub"
        )


def listen(database_url: str) -> psycopg.Connection:
    conn = psycopg.connect(database_url, autocommit=True)
    conn.execute(f"LISTEN {lifecycle.JOB_EVENTS_CHANNEL}")
    return conn


def heard(conn: psycopg.Connection) -> list[dict]:
    return [json.loads(n.payload) for n in conn.notifies(timeout=0.5, stop_after=50)]


async def test_each_change_is_announced_on_commit_with_the_job(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    with listen(database_url) as conn:
        job = await new_job(sessions)
        async with sessions.begin() as session:
            assert await lifecycle.claim(session, job.id, "stub") is not None
            assert await lifecycle.progress(session, job.id, 40) is not None
            assert await lifecycle.progress(session, job.id, 40) is None  # did not move
        async with sessions.begin() as session:
            await lifecycle.progress(session, job.id, 60)
            await session.rollback()  # never committed: never heard
        async with sessions.begin() as session:
            done = await lifecycle.complete(
                session, job.id, result_object_key="r", detected_language="en", audio_duration_s=2
            )
        events = heard(conn)
    assert [(e["change"], e["status"]) for e in events] == [
        ("created", "pending"),
        ("claimed", "processing"),
        ("progress", "processing"),
        ("completed", "completed"),
    ]
    assert {e["job_id"] for e in events} == {str(job.id)}
    assert {e["user_id"] for e in events} == {str(job.user_id)}
    assert events[2]["job"]["progress"] == 40 and events[3]["job"]["status"] == "completed"
    assert done is not None and done.progress == 100 and done.completed_at is not None


async def test_a_cancel_and_a_finish_race_and_one_wins(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    job = await new_job(sessions)
    async with sessions.begin() as session:
        await lifecycle.claim(session, job.id, "stub")
    async with sessions.begin() as session:
        assert await lifecycle.cancel(session, job.id) is not None
    async with sessions.begin() as session:
        assert (
            await lifecycle.complete(
                session,
                job.id,
                result_object_key="r",
                detected_language=None,
                audio_duration_s=None,
            )
            is None
        )
        assert await lifecycle.submitted(session, job.id, "provider-1") is None
        assert await lifecycle.fail(session, job.id, "late") is None
        assert await lifecycle.claim(session, job.id, "stub") is None
        assert await lifecycle.cancel(session, job.id) is None
    async with sessions() as session:
        current = await session.get(m.TranscriptionJob, job.id)
    assert current.status == m.JobStatus.CANCELLED.value and current.provider_job_id is None


async def test_a_provider_id_is_saved_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    job = await new_job(sessions)
    async with sessions.begin() as session:
        await lifecycle.claim(session, job.id, "stub")
        assert await lifecycle.submitting(session, job.id, "https://audio/1") is not None
        assert await lifecycle.submitted(session, job.id, "first") is not None
        assert await lifecycle.submitted(session, job.id, "second") is None
        assert await lifecycle.submitting(session, job.id, "https://audio/2") is None


async def test_a_failed_job_can_start_over(sessions: async_sessionmaker[AsyncSession]) -> None:
    job = await new_job(sessions)
    async with sessions.begin() as session:
        await lifecycle.claim(session, job.id, "stub")
        await lifecycle.submitted(session, job.id, "p")
        assert await lifecycle.retry(session, job.id) is None  # only failed jobs
        await lifecycle.fail(session, job.id, "provider said no")
        again = await lifecycle.retry(session, job.id)
    assert again is not None and again.status == m.JobStatus.PENDING.value
    assert again.provider_job_id is None and again.error_message is None


async def test_usage_is_counted_once_with_the_completion(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    job = await new_job(sessions)
    for _ in range(2):  # a duplicate completion (a second check) changes nothing
        async with sessions.begin() as session:
            await lifecycle.claim(session, job.id, "stub")
            await lifecycle.complete(
                session,
                job.id,
                result_object_key="r",
                detected_language="en",
                audio_duration_s=42.5,
            )
    async with sessions() as session:
        rows = (
            await session.scalars(select(m.UsageMonth).where(m.UsageMonth.user_id == job.user_id))
        ).all()
    assert [(r.audio_seconds, r.jobs_completed) for r in rows] == [(42.5, 1)]

"""Usage: audio seconds of completed jobs per user and calendar month (UTC), and quotas.

Counted once, when a job completes, in the same transaction as the status change (the
lifecycle module calls `count_completion`), so a job is never counted twice or lost.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m

HISTORY_MONTHS = 12


def month_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date().replace(day=1)


def next_month(start: date) -> date:
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


async def count_completion(session: AsyncSession, job: m.TranscriptionJob) -> None:
    seconds = float(job.audio_duration_s or 0.0)
    usage = m.UsageMonth.__table__
    await session.execute(
        insert(usage)
        .values(
            id=func.gen_random_uuid(),
            user_id=job.user_id,
            period_start=month_of(job.completed_at or datetime.now(UTC)),
            audio_seconds=seconds,
            jobs_completed=1,
            created_at=datetime.now(UTC),
            updated_at=datetime.now(UTC),
        )
        .on_conflict_do_update(
            constraint="user_period",
            set_={
                "audio_seconds": usage.c.audio_seconds + seconds,
                "jobs_completed": usage.c.jobs_completed + 1,
                "updated_at": datetime.now(UTC),
            },
        )
    )


def quota_seconds(user: m.User, default_minutes: int) -> int | None:
    """The user's monthly quota in seconds; None when unlimited."""
    minutes = user.quota_minutes if user.quota_minutes is not None else default_minutes
    return minutes * 60 if minutes > 0 else None


async def months(session: AsyncSession, user_id: UUID) -> list[m.UsageMonth]:
    """The latest months with usage, newest first."""
    return list(
        await session.scalars(
            select(m.UsageMonth)
            .where(m.UsageMonth.user_id == user_id)
            .order_by(m.UsageMonth.period_start.desc())
            .limit(HISTORY_MONTHS)
        )
    )


async def used_this_month(session: AsyncSession, user_id: UUID) -> float:
    return (await used_this_month_by(session, [user_id])).get(user_id, 0.0)


async def used_this_month_by(session: AsyncSession, user_ids: list[UUID]) -> dict[UUID, float]:
    """This month's audio seconds of each of these users (one query for a page of them)."""
    rows = await session.execute(
        select(m.UsageMonth.user_id, m.UsageMonth.audio_seconds).where(
            m.UsageMonth.user_id.in_(user_ids),
            m.UsageMonth.period_start == month_of(datetime.now(UTC)),
        )
    )
    return {user_id: float(seconds) for user_id, seconds in rows}

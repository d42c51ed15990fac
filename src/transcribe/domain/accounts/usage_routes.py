"""`GET /usage`: what a user transcribed this month and before, and their quota."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.domain.accounts import usage
from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.accounts.schemas import Usage, UsagePeriod
from transcribe.lib.openapi import errors
from transcribe.settings import Settings


class UsageController(Controller):
    path = "/usage"
    tags = ["Accounts"]

    @get(
        "/",
        summary="Audio you transcribed this month, your quota, and past months",
        description="Calendar months in UTC; audio seconds of completed jobs, counted when "
        "each completes. `quota_seconds` is null when unlimited.",
        responses=errors(401),
    )
    async def my_usage(
        self,
        current_user: CurrentUser,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Usage:
        start = usage.month_of(datetime.now(UTC))
        history = await usage.months(db_session, current_user.id)
        current = next((row for row in history if row.period_start == start), None)
        return Usage(
            period_start=start,
            period_end=usage.next_month(start),
            audio_seconds=current.audio_seconds if current else 0.0,
            jobs_completed=current.jobs_completed if current else 0,
            quota_seconds=usage.quota_seconds(
                current_user, settings.auth.quota_monthly_audio_minutes
            ),
            history=[
                UsagePeriod(
                    period_start=row.period_start,
                    audio_seconds=row.audio_seconds,
                    jobs_completed=row.jobs_completed,
                )
                for row in history
            ],
        )

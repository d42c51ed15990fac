from __future__ import annotations

from datetime import date
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import Date, Float, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class UsageMonth(UUIDv7AuditBase):
    """What a user transcribed in one calendar month (UTC), counted at each completion."""

    __tablename__ = "usage_months"
    __table_args__ = (UniqueConstraint("user_id", "period_start", name="user_period"),)

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    audio_seconds: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    jobs_completed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

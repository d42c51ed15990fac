from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import IdentityBase
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column


class JobEvent(IdentityBase):
    """One job event as clients were sent it (`id` is the SSE `id:`), kept for
    `EVENTS_RETENTION_S` so that a client reconnecting with `Last-Event-ID` gets what it
    missed. Written by `domain/jobs/lifecycle.py` at commit, in the transaction of the change,
    under a per-user lock: one user's ids grow in commit order (see there).

    `user_id` has no foreign key (one less check on the hot path); deleting a job, or its
    owner, removes its events through `job_id`."""

    __tablename__ = "job_events"
    __table_args__ = (
        Index("ix_job_events_user_id_id", "user_id", "id"),
        Index("ix_job_events_job_id_id", "job_id", "id"),
    )

    user_id: Mapped[UUID] = mapped_column(GUID(length=16), nullable=False)
    job_id: Mapped[UUID] = mapped_column(
        ForeignKey("transcription_jobs.id", ondelete="CASCADE"), nullable=False
    )
    change: Mapped[str] = mapped_column(String(32), nullable=False)
    # The job JSON exactly as sent in the event's `data:`.
    job: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTimeUTC(timezone=True), nullable=False, server_default=func.now()
    )

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column


class WebhookDelivery(UUIDv7AuditBase):
    """One event for one endpoint, and how its delivery went (the delivery log).

    Written in the same transaction as the job's final status, so no event is lost between
    the two; `body` is signed as stored, so every retry sends the same bytes and `message_id`.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_endpoint_id", "endpoint_id"),
        Index("ix_webhook_deliveries_job_id", "job_id"),
        # The sweep looks for deliveries still due.
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where="delivered_at IS NULL AND abandoned_at IS NULL",
        ),
    )

    endpoint_id: Mapped[UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False
    )
    job_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("transcription_jobs.id", ondelete="SET NULL")
    )
    message_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    event_type: Mapped[str] = mapped_column(String(32), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    # A short excerpt of the receiver's answer or of the network error, never the whole body.
    last_error: Mapped[str | None] = mapped_column(String(300))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    abandoned_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column


class ShareLink(UUIDv7AuditBase):
    """A job's public read-only link (`/s/{token}`): one live link a job; revoking deletes the
    row. The token is derived from the row's id under a key from JWT_SECRET (see
    domain/sharing/tokens.py) and stored only as its SHA-256, for the lookup."""

    __tablename__ = "share_links"

    job_id: Mapped[UUID] = mapped_column(
        ForeignKey("transcription_jobs.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # NULL: no expiry, the link works until revoked.
    expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

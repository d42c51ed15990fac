from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column


class UploadStatus(enum.StrEnum):
    PENDING = "pending"
    UPLOADED = "uploaded"
    # The media was deleted under MEDIA_RETENTION_DAYS; the row stays to say so.
    EXPIRED = "expired"


class Upload(UUIDv7AuditBase):
    """A media object a user presigned, and whether its bytes have arrived."""

    __tablename__ = "uploads"
    __table_args__ = (
        Index("ix_uploads_user_id_created_at", "user_id", "created_at"),
        # Housekeeping's scans: uploads of one status, oldest first.
        Index("ix_uploads_status_updated_at", "status", "updated_at"),
    )

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    object_key: Mapped[str] = mapped_column(String(512), nullable=False, unique=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    content_type: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default=UploadStatus.PENDING.value
    )
    # Set once the bytes of an expired upload are gone from storage (housekeeping retries until then).
    media_deleted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

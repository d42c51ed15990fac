from __future__ import annotations

from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import ForeignKey, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class Transcript(UUIDv7AuditBase):
    __tablename__ = "transcripts"

    job_id: Mapped[UUID] = mapped_column(
        ForeignKey("transcription_jobs.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    plain_text: Mapped[str] = mapped_column(Text, nullable=False)
    # Utterances `[{speaker, text, start_ms, end_ms}]` in dialogue mode, else NULL.
    diarized_json: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)

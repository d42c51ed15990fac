from __future__ import annotations

from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import Computed, ForeignKey, Index, Text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from transcribe.db.models.transcription_job import SEARCH_CONFIG


class Transcript(UUIDv7AuditBase):
    """The searchable text of a completed job (the full document is in object storage)."""

    __tablename__ = "transcripts"
    __table_args__ = (
        Index("ix_transcripts_search_vector", "search_vector", postgresql_using="gin"),
    )

    job_id: Mapped[UUID] = mapped_column(
        ForeignKey("transcription_jobs.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    plain_text: Mapped[str] = mapped_column(Text, nullable=False)
    # Utterances `[{speaker, text, start_ms, end_ms}]` of jobs completed before transcript
    # documents existed (read only by their fallback); NULL since.
    diarized_json: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(f"to_tsvector('{SEARCH_CONFIG}', plain_text)", persisted=True),
        deferred=True,
    )

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, synonym


class JobStatus(enum.StrEnum):
    """The one vocabulary of a job's status, in Python and in SQL."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


# Language-neutral full-text search: words are lower-cased, not stemmed, so Russian and
# English (and any other language) match the words as written.
SEARCH_CONFIG = "simple"

UNFINISHED_STATUSES = frozenset({JobStatus.PENDING, JobStatus.PROCESSING})
FINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})


class TranscriptionJob(UUIDv7AuditBase):
    __tablename__ = "transcription_jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{status.value}'" for status in JobStatus) + ")",
            name="status",
        ),
        CheckConstraint("mode IN ('mono', 'dialogue')", name="mode"),
        CheckConstraint("progress IS NULL OR progress BETWEEN 0 AND 100", name="progress"),
        # Per-user listing, newest first.
        Index("ix_transcription_jobs_user_id_created_at", "user_id", "created_at"),
        # The reaper scans unfinished jobs by age.
        Index("ix_transcription_jobs_status_updated_at", "status", "updated_at"),
        Index("ix_transcription_jobs_source_object_key", "source_object_key"),
        # Provider webhooks name the provider's transcript id.
        Index("ix_transcription_jobs_provider_job_id", "provider_job_id"),
        Index("ix_transcription_jobs_filename_search", "filename_search", postgresql_using="gin"),
    )

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=JobStatus.PENDING.value)
    language: Mapped[str] = mapped_column(String(16), nullable=False)
    mode: Mapped[str] = mapped_column(String(16), nullable=False)
    source_object_key: Mapped[str] = mapped_column(String(512), nullable=False)
    object_key = synonym("source_object_key")  # the name clients know it by
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    result_object_key: Mapped[str | None] = mapped_column(String(512))
    # The engine that runs (or ran) the job: the API's at creation, the worker's once claimed.
    engine: Mapped[str | None] = mapped_column(String(16))
    provider_job_id: Mapped[str | None] = mapped_column(String(128))
    # The audio URL handed to the provider, saved before the submission: a retry that finds
    # it without a provider id looks for that submission at the provider before sending again.
    provider_audio_url: Mapped[str | None] = mapped_column(Text)
    # When it was saved: a retry reuses the URL (no second upload) only while it is valid.
    provider_audio_url_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger)
    recovery_count: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    error_message: Mapped[str | None] = mapped_column(Text)
    detected_language: Mapped[str | None] = mapped_column(String(16))
    # How sure the engine was of `detected_language` (0..1); NULL when the language was given.
    language_confidence: Mapped[float | None] = mapped_column(Float)
    audio_duration_s: Mapped[float | None] = mapped_column(Float)
    # 0..100 where the engine reports it, else NULL.
    progress: Mapped[int | None] = mapped_column(SmallInteger)
    # Labels to names (`{"A": "Alice"}`), applied whenever the transcript is read.
    speaker_names: Mapped[dict[str, str]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default="{}"
    )
    # Recognition hints the user gave.
    speakers_expected: Mapped[int | None] = mapped_column(SmallInteger)
    keyterms: Mapped[list[str] | None] = mapped_column(ARRAY(String(100)))
    # Words of the file name, for search (`_`, `.` and `-` separate words, as people read them).
    filename_search: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            f"to_tsvector('{SEARCH_CONFIG}', translate(filename, '_.-', '   '))", persisted=True
        ),
        deferred=True,
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

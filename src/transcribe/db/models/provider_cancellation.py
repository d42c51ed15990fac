from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column


class ProviderCancellation(UUIDv7AuditBase):
    """A provider's copy of a cancelled job still to be cancelled there (an outbox row).

    Written in the transaction that cancels the job, so the intent survives the queue being
    unreachable at that moment; the cancel task deletes it once done, and the recovery sweep
    defers it again if its queue job was lost. Either the provider's id is known, or only
    the audio URL it was given (a submission aborted before its id was saved): then the
    provider's list of transcripts is searched for it, as a retried submission would.
    """

    __tablename__ = "provider_cancellations"

    job_id: Mapped[UUID] = mapped_column(nullable=False)  # for logs: the job may be gone
    provider_job_id: Mapped[str | None] = mapped_column(String(255))
    provider_audio_url: Mapped[str | None] = mapped_column(Text)
    submitted_since: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # Not before: a submission still in flight has then had its answer.
    due_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False)

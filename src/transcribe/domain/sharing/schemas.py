from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from transcribe.domain.jobs.schemas import Mode, NameMap
from transcribe.domain.transcripts.document import TranscriptDocument
from transcribe.lib.schema import Schema


class ShareCreate(Schema):
    """How long the link works: `expires_in_days` from now, or until revoked when left out."""

    expires_in_days: (
        Annotated[
            int,
            msgspec.Meta(
                ge=1,
                le=365,
                description="Days the link works from now; left out: no expiry (or, for an "
                "existing link, its expiry unchanged)",
                examples=[30],
            ),
        ]
        | None
    ) = None


class ShareLinkView(Schema):
    """A job's public read-only link: `url` is the web app's `/s/{token}`, and needs no
    account."""

    token: str
    url: str
    expires_at: Annotated[datetime | None, msgspec.Meta(description="null: until revoked")]


class SharedJob(Schema):
    """What a shared link shows of a job: nothing of its owner."""

    id: UUID
    filename: str
    language: str
    mode: Mode
    audio_duration_s: float | None
    speaker_names: NameMap
    completed_at: datetime | None


class SharedTranscript(Schema):
    """A shared job, its transcript (speaker names applied) and a short-lived signed URL to its
    recording (null once the media was deleted)."""

    job: SharedJob
    transcript: TranscriptDocument
    media_url: str | None
    media_content_type: Annotated[
        str | None,
        msgspec.Meta(
            description="The recording's type (`audio/...`, `video/...`); null with no media"
        ),
    ] = None

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from transcribe.db import models as m
from transcribe.domain.transcripts.render import TranscriptFormat
from transcribe.lib.schema import NoNul, Schema

Mode = Literal["mono", "dialogue"]
MAX_KEYTERMS = 100


class JobCreate(Schema):
    """What to transcribe (a completed upload), in which language and mode, with optional hints."""

    object_key: Annotated[str, NoNul, msgspec.Meta(min_length=1, max_length=512)]
    language: Annotated[
        str,
        NoNul,
        msgspec.Meta(
            min_length=2,
            max_length=16,
            description="ISO 639-1 code the engine supports (en, ru, de, ...) or `auto`",
            examples=["en", "auto"],
        ),
    ]
    mode: Annotated[
        Mode, msgspec.Meta(description="`mono` text, or `dialogue` with one line per speaker turn")
    ]
    speakers_expected: (
        Annotated[
            int,
            msgspec.Meta(
                ge=1, le=10, description="How many people speak (`dialogue` only): a hint"
            ),
        ]
        | None
    ) = None
    keyterms: Annotated[
        list[Annotated[str, NoNul, msgspec.Meta(min_length=1, max_length=100)]],
        msgspec.Meta(
            max_length=MAX_KEYTERMS,
            description="Words or short phrases the recogniser should favour: names, jargon",
            examples=[["Transcribe", "Yandex Cloud"]],
        ),
    ] = msgspec.field(default_factory=list)


NameMap = dict[str, str]


class Job(Schema, kw_only=True):
    """A transcription job: `pending` -> `processing` -> `completed` | `failed`, or `cancelled`."""

    id: UUID
    status: m.JobStatus
    language: str
    mode: Mode
    object_key: str
    filename: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    error_message: str | None
    detected_language: str | None
    # kw_only lets this default sit beside the language: events written before it have none.
    language_confidence: Annotated[
        float | None,
        msgspec.Meta(
            description="How sure the engine is of `detected_language`, 0..1, when it detected "
            "it (`auto`); null when the language was given. Below 0.5 the detection is "
            "uncertain: check it, and run the file again with its language chosen if wrong"
        ),
    ] = None
    audio_duration_s: float | None
    engine: Annotated[
        str | None,
        msgspec.Meta(description="The engine that runs the job (`assemblyai`, `local`, `stub`)"),
    ] = None  # None too in events from workers older than the field
    progress: Annotated[
        int | None, msgspec.Meta(description="0..100 where the engine reports it, else null")
    ] = None
    speaker_names: Annotated[
        NameMap, msgspec.Meta(description="Speaker labels to names, `{}` until set")
    ] = msgspec.field(default_factory=dict)


def job_view(job: m.TranscriptionJob) -> Job:
    """The job as clients see it (the model's attributes by the schema's names)."""
    return msgspec.convert(job, Job, from_attributes=True)


class DownloadLink(Schema):
    """A short-lived signed URL to a transcript file; it needs no Authorization header."""

    url: str
    format: TranscriptFormat
    expires_at: datetime


class Engine(Schema):
    """What the configured recognition engine accepts and offers."""

    name: str
    languages: list[str]
    diarization: Annotated[bool, msgspec.Meta(description="Whether `dialogue` mode is offered")]
    formats: list[TranscriptFormat]
    max_upload_bytes: int

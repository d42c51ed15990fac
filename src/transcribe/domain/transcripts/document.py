"""The transcript document: one per completed job, whatever the engine.

It is stored as JSON in object storage beside the job's other results (10 hours of audio
is about 100,000 words, too much for a hot row); the database keeps only the plain text,
for search. The document as recognised is written once; a user's edits (`edits.py`) make
new revisions, stored beside it. Speaker names are not part of the stored document: they
are applied when it is read, so renaming never rewrites it.
"""

from __future__ import annotations

from uuid import UUID

import msgspec

from transcribe.engines.base import EngineResult


class Word(msgspec.Struct):
    """One recognised word, with its timing (milliseconds), confidence and speaker."""

    text: str
    start_ms: int | None
    end_ms: int | None
    confidence: float | None
    speaker: str | None


class Utterance(msgspec.Struct):
    """One speaker's turn (dialogue mode), with the speaker's name once set."""

    speaker: str
    speaker_name: str | None
    start_ms: int | None
    end_ms: int | None
    text: str


class TranscriptDocument(msgspec.Struct):
    """A job's transcript: the text, speaker turns and words with timings."""

    job_id: UUID
    language: str | None
    audio_duration_s: float | None
    text: str
    utterances: list[Utterance]  # [] in mono mode
    words: list[Word]
    # 0 as recognised, one more with each edit (documents stored before edits have none).
    revision: int = 0
    # How sure the engine was of a detected `language` (0..1); None when it was given.
    language_confidence: float | None = None


def from_result(
    job_id: UUID, result: EngineResult, *, mode: str, language: str
) -> TranscriptDocument:
    dialogue = mode == "dialogue"
    return TranscriptDocument(
        job_id=job_id,
        language=result.detected_language or (None if language == "auto" else language),
        audio_duration_s=result.audio_duration_s,
        language_confidence=result.language_confidence,
        text=result.text,
        utterances=[
            Utterance(u.speaker, None, u.start_ms, u.end_ms, u.text)
            for u in (result.utterances or [])
        ]
        if dialogue
        else [],
        words=[
            Word(w.text, w.start_ms, w.end_ms, w.confidence, w.speaker if dialogue else None)
            for w in (result.words or [])
        ],
    )


def speaker_label(speaker: str, names: dict[str, str]) -> str:
    """What a reader sees for a speaker: their name, or `Speaker A`."""
    return names.get(speaker) or f"Speaker {speaker}"


def with_names(document: TranscriptDocument, names: dict[str, str]) -> TranscriptDocument:
    return msgspec.structs.replace(
        document,
        utterances=[
            msgspec.structs.replace(u, speaker_name=names.get(u.speaker))
            for u in document.utterances
        ],
    )


def speakers(document: TranscriptDocument) -> set[str]:
    return {u.speaker for u in document.utterances} | {
        w.speaker for w in document.words if w.speaker
    }


def encode(document: TranscriptDocument) -> bytes:
    return msgspec.json.encode(document)


def decode(data: bytes) -> TranscriptDocument:
    return msgspec.json.decode(data, type=TranscriptDocument)

"""What every recognition engine offers the worker, and the errors it may raise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class AudioSource:
    filename: str
    content_type: str
    size: int
    url: str | None  # a URL the provider may fetch itself (S3 presigned GET), or None
    open_stream: Callable[[], AsyncIterator[bytes]]  # the bytes from storage, in chunks


@dataclass(frozen=True)
class EngineRequest:
    audio: AudioSource
    language: str  # ISO 639-1 code, or "auto"
    mode: str  # "mono" | "dialogue"
    speakers_expected: int | None = None  # a hint, dialogue only
    keyterms: tuple[str, ...] = ()  # words and phrases to favour


@dataclass(frozen=True)
class Word:
    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    confidence: float | None = None
    speaker: str | None = None


@dataclass(frozen=True)
class Utterance:
    speaker: str
    text: str
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True)
class EngineResult:
    text: str
    utterances: list[Utterance] | None = None
    detected_language: str | None = None
    # How sure the engine is of `detected_language` (0..1), where it says: low is worth showing.
    language_confidence: float | None = None
    audio_duration_s: float | None = None
    words: list[Word] | None = None


class TransientEngineError(Exception):
    """Network trouble, timeouts, 429 or 5xx: worth trying again later."""


class PermanentEngineError(Exception):
    """The provider will not transcribe this; `str(exc)` is a message for the user."""


@dataclass(frozen=True)
class Submitted:
    """The provider accepted the job and works on it; ask `check` how it goes."""

    provider_job_id: str


@dataclass(frozen=True)
class Working:
    progress: int | None = None  # 0..100 where the provider says


@dataclass(frozen=True)
class Finished:
    result: EngineResult


OnAudioUrl = Callable[[str], Awaitable[None]]
OnProgress = Callable[[int], Awaitable[None]]  # 0..100


@runtime_checkable  # Litestar checks injected dependencies with isinstance
class TranscriptionEngine(Protocol):
    """Two kinds fit: engines that work here return `Finished` from `start`; providers
    return `Submitted`, and the worker asks `check` later (or when their webhook calls)."""

    name: str
    supported_languages: frozenset[str]
    diarization: bool  # can it tell speakers apart (`dialogue` mode)?

    async def start(
        self,
        request: EngineRequest,
        *,
        job_id: str,
        on_audio_url: OnAudioUrl,
        on_progress: OnProgress | None = None,
    ) -> Submitted | Finished:
        """Begin (or, for local engines, do) the work; those report `on_progress`.

        A provider engine awaits `on_audio_url(url)` with the URL it will submit, before
        submitting: a retry after a lost answer then finds that submission with
        `find_submission` instead of making a second one.
        """
        ...

    async def find_submission(self, audio_url: str, *, since: datetime) -> str | None:
        """The provider's id of a job submitted with `audio_url` after `since`, if any."""
        ...

    async def check(self, provider_job_id: str) -> Working | Finished:
        """One status request; PermanentEngineError when the provider gave up on it."""
        ...

    async def cancel(self, provider_job_id: str) -> None: ...


class WorksHere:
    """What engines that do the work inside `start` (local, stub) answer for the rest of the
    protocol: they submit nothing, so there is nothing to find, check or cancel."""

    async def find_submission(self, audio_url: str, *, since: datetime) -> str | None:
        return None

    async def check(self, provider_job_id: str) -> Working | Finished:
        raise PermanentEngineError(
            "This job was sent to a transcription provider that this server no longer uses."
        )

    async def cancel(self, provider_job_id: str) -> None:
        return None

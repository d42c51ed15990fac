"""What every recognition engine offers the worker, and the errors it may raise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
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
    audio_duration_s: float | None = None


class TransientEngineError(Exception):
    """Network trouble, timeouts, 429 or 5xx: worth trying again later."""


class PermanentEngineError(Exception):
    """The provider will not transcribe this; `str(exc)` is a message for the user."""


OnSubmitted = Callable[[str], Awaitable[None]]


@runtime_checkable  # Litestar checks injected dependencies with isinstance
class TranscriptionEngine(Protocol):
    name: str
    supported_languages: frozenset[str]

    async def transcribe(
        self, request: EngineRequest, *, provider_job_id: str | None, on_submitted: OnSubmitted
    ) -> EngineResult:
        """Submit (unless `provider_job_id` says it was already) and wait for the result.

        `on_submitted(id)` is awaited as soon as the provider accepts the job, before
        any waiting, so a crash after it resumes instead of submitting twice.
        """
        ...

    async def cancel(self, provider_job_id: str) -> None: ...

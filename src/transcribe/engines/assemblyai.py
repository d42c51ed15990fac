"""AssemblyAI through its official SDK (async client, one per engine, no global settings).

Audio goes as a URL when storage can sign one (S3), else it is streamed to `/v2/upload`.
The transcript id is handed to `on_submitted` the moment AssemblyAI accepts the job;
waiting polls with a growing interval and holds nothing but an HTTP connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import assemblyai as aai
import httpx
from assemblyai.prerecorded.v2 import async_api

from transcribe.engines.base import (
    EngineRequest,
    EngineResult,
    OnSubmitted,
    PermanentEngineError,
    TransientEngineError,
    Utterance,
)
from transcribe.engines.languages import SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)
T = TypeVar("T")

# Consecutive failed status polls tolerated before handing the job back to the queue.
POLL_FAILURES_TOLERATED = 5


# Statuses that say "not now" rather than "never".
_RETRYABLE_STATUSES = frozenset({408, 425, 429})
_REASON_CHARS = 300


def _reason(exc: BaseException) -> str:
    # The SDK appends a non-JSON body and the request repr to its message; users get one line.
    text = " ".join(str(exc).split("\nReason:", 1)[0].split())
    return text if len(text) <= _REASON_CHARS else text[: _REASON_CHARS - 1] + "…"


def _classify(exc: BaseException, doing: str) -> Exception:
    """Map SDK/HTTP failures onto transient (retry) or permanent (fail the job)."""
    if isinstance(exc, httpx.TransportError | asyncio.TimeoutError):
        return TransientEngineError(f"{doing}: the transcription provider did not answer ({exc!r})")
    if isinstance(exc, aai.types.AssemblyAIError):
        status = exc.status_code
        if status is None or status in _RETRYABLE_STATUSES or status >= 500:
            return TransientEngineError(
                f"{doing}: the transcription provider is unavailable ({status}): {exc}"
            )
        if status in (401, 403):
            return PermanentEngineError(
                "The transcription provider rejected this server's credentials; "
                "the operator must fix ASSEMBLYAI_API_KEY."
            )
        return PermanentEngineError(
            f"The transcription provider refused the request ({status}): {_reason(exc)}"
        )
    if isinstance(exc, ValueError | KeyError):
        # A 200 whose body is not the JSON the SDK expects (a proxy's page, a cut-off answer).
        return TransientEngineError(
            f"{doing}: the transcription provider answered with something unreadable ({exc!r})"
        )
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


class AssemblyAIEngine:
    name = "assemblyai"
    supported_languages = SUPPORTED_LANGUAGES

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout_s: float = 30.0,
        poll_initial_s: float = 1.0,
        poll_max_s: float = 15.0,
    ) -> None:
        self._settings = aai.Settings(
            api_key=api_key, base_url=base_url.rstrip("/"), http_timeout=timeout_s
        )
        self._poll_initial_s = poll_initial_s
        self._poll_max_s = poll_max_s
        self._client: aai.AsyncClient | None = None

    @property
    def _http(self) -> httpx.AsyncClient:
        # Made on first use, inside the worker's event loop (an httpx pool belongs to one loop).
        if self._client is None:
            self._client = aai.AsyncClient(settings=self._settings)
        return self._client.http_client

    async def _call(self, doing: str, call: Callable[[], Coroutine[Any, Any, T]]) -> T:
        try:
            return await call()
        except Exception as exc:
            raise _classify(exc, doing) from exc

    async def transcribe(
        self, request: EngineRequest, *, provider_job_id: str | None, on_submitted: OnSubmitted
    ) -> EngineResult:
        if provider_job_id is None:
            provider_job_id = await self._submit(request)
            await on_submitted(provider_job_id)
        else:
            log.info("resuming provider transcript %s", provider_job_id)
        return await self._wait(provider_job_id)

    async def _submit(self, request: EngineRequest) -> str:
        audio = request.audio
        audio_url = audio.url
        if audio_url is None:
            audio_url = await self._call(
                "uploading the audio",
                lambda: async_api.upload_file(
                    self._http, audio.open_stream(), headers={"Content-Length": str(audio.size)}
                ),
            )
        config = aai.TranscriptionConfig(speaker_labels=request.mode == "dialogue" or None)
        if request.language == "auto":
            config.language_detection = True
        else:
            config.language_code = request.language
        transcript_request = aai.types.TranscriptRequest(
            audio_url=audio_url, **config.raw.dict(exclude_none=True)
        )
        response = await self._call(
            "submitting the transcription",
            lambda: async_api.create_transcript(self._http, transcript_request),
        )
        if not response.id:
            raise TransientEngineError(
                "The transcription provider accepted the job but returned no id"
            )
        return response.id

    async def _wait(self, transcript_id: str) -> EngineResult:
        delay = self._poll_initial_s
        failures = 0
        while True:
            try:
                response = await self._call(
                    "checking the transcription",
                    lambda: async_api.get_transcript(self._http, transcript_id),
                )
            except TransientEngineError:
                failures += 1
                if failures > POLL_FAILURES_TOLERATED:
                    raise
                log.warning("provider status check failed (%s in a row); retrying", failures)
            else:
                failures = 0
                if response.status == aai.TranscriptStatus.completed:
                    return self._result(response)
                if response.status == aai.TranscriptStatus.error:
                    # The SDK returns this status instead of raising: it is the provider's verdict.
                    raise PermanentEngineError(
                        f"The transcription provider could not transcribe this file: {response.error or 'no reason given'}"
                    )
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, self._poll_max_s)

    @staticmethod
    def _result(response: aai.types.TranscriptResponse) -> EngineResult:
        utterances = None
        if response.utterances:
            utterances = [
                Utterance(speaker=u.speaker or "A", text=u.text, start_ms=u.start, end_ms=u.end)
                for u in response.utterances
            ]
        language = response.language_code
        return EngineResult(
            text=response.text or "",
            utterances=utterances,
            detected_language=str(language.value if hasattr(language, "value") else language)
            if language
            else None,
            audio_duration_s=float(response.audio_duration)
            if response.audio_duration is not None
            else None,
        )

    async def cancel(self, provider_job_id: str) -> None:
        await self._call(
            "cancelling", lambda: async_api.delete_transcript(self._http, provider_job_id)
        )

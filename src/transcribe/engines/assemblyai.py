"""AssemblyAI through its official SDK (async client, one per engine, no global settings).

Audio goes as a URL when storage can sign one (S3), else it is streamed to `/v2/upload`.
`start` submits and returns at once; `check` is one status request. Nothing here waits
while AssemblyAI works: the worker schedules checks, or AssemblyAI's webhook prompts one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import assemblyai as aai
import httpx
from assemblyai.prerecorded.v2 import async_api

from transcribe.engines.base import (
    EngineRequest,
    EngineResult,
    Finished,
    OnAudioUrl,
    OnProgress,
    PermanentEngineError,
    Submitted,
    TransientEngineError,
    Utterance,
    Word,
    Working,
)
from transcribe.engines.languages import SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)
T = TypeVar("T")

WEBHOOK_SECRET_HEADER = "X-Transcribe-Webhook-Secret"  # noqa: S105 - a header name
# How far back `find_submission` pages through the account's transcripts.
_LIST_PAGE_SIZE = 100
_LIST_PAGES = 5

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
    diarization = True

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout_s: float = 30.0,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        speech_models: tuple[str, ...] = (),
    ) -> None:
        self._settings = aai.Settings(
            api_key=api_key, base_url=base_url.rstrip("/"), http_timeout=timeout_s
        )
        self._webhook_url = webhook_url if webhook_secret else None
        self._webhook_secret = webhook_secret
        self._speech_models = list(speech_models)
        self.model_label = ",".join(speech_models) or "the provider's default"
        self._client: aai.AsyncClient | None = None

    @property
    def uses_webhooks(self) -> bool:
        return self._webhook_url is not None

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

    async def start(
        self,
        request: EngineRequest,
        *,
        job_id: str,
        on_audio_url: OnAudioUrl,
        on_progress: OnProgress | None = None,
    ) -> Submitted:
        audio = request.audio
        audio_url = audio.url
        if audio_url is None:
            audio_url = await self._call(
                "uploading the audio",
                lambda: async_api.upload_file(
                    self._http, audio.open_stream(), headers={"Content-Length": str(audio.size)}
                ),
            )
        await on_audio_url(audio_url)
        config = aai.TranscriptionConfig(speaker_labels=request.mode == "dialogue" or None)
        if request.language == "auto":
            config.language_detection = True
        else:
            config.language_code = request.language
        if self._webhook_url:
            # The job id in the URL tells our endpoint which job to look at; the secret
            # header proves the call comes from the provider we gave it to.
            config.set_webhook(
                f"{self._webhook_url}?{urlencode({'job_id': job_id})}",
                WEBHOOK_SECRET_HEADER,
                self._webhook_secret,
            )
        options = config.raw.dict(exclude_none=True)
        if request.mode == "dialogue" and request.speakers_expected:
            options["speakers_expected"] = request.speakers_expected
        if request.keyterms:
            options["keyterms_prompt"] = list(request.keyterms)
        if self._speech_models:  # the operator's choice; else the provider's default
            options["speech_models"] = self._speech_models
        transcript_request = aai.types.TranscriptRequest(audio_url=audio_url, **options)
        response = await self._call(
            "submitting the transcription",
            lambda: async_api.create_transcript(self._http, transcript_request),
        )
        if not response.id:
            raise TransientEngineError(
                "The transcription provider accepted the job but returned no id"
            )
        return Submitted(response.id)

    async def find_submission(self, audio_url: str, *, since: datetime) -> str | None:
        """Page back through the account's newest transcripts to `since`."""
        params = aai.types.ListTranscriptParameters(limit=_LIST_PAGE_SIZE)
        for _ in range(_LIST_PAGES):
            page = await self._call(
                "looking for an earlier submission",
                lambda params=params: async_api.list_transcripts(self._http, params),
            )
            for item in page.transcripts:
                if item.audio_url == audio_url:
                    return item.id
            oldest = page.transcripts[-1] if page.transcripts else None
            before_id = page.page_details.before_id_of_prev_url
            if oldest is None or before_id is None or _parse_time(oldest.created) < since:
                return None
            params = aai.types.ListTranscriptParameters(limit=_LIST_PAGE_SIZE, before_id=before_id)
        log.warning("no earlier submission found in the newest %s transcripts", _LIST_PAGES * 100)
        return None

    async def check(self, provider_job_id: str) -> Working | Finished:
        response = await self._call(
            "checking the transcription",
            lambda: async_api.get_transcript(self._http, provider_job_id),
        )
        if response.status == aai.TranscriptStatus.completed:
            return Finished(self._result(response))
        if response.status == aai.TranscriptStatus.error:
            # The SDK returns this status instead of raising: it is the provider's verdict.
            raise PermanentEngineError(
                "The transcription provider could not transcribe this file: "
                f"{response.error or 'no reason given'}"
            )
        return Working()

    @staticmethod
    def _result(response: aai.types.TranscriptResponse) -> EngineResult:
        utterances = None
        if response.utterances:
            utterances = [
                Utterance(speaker=u.speaker or "A", text=u.text, start_ms=u.start, end_ms=u.end)
                for u in response.utterances
            ]
        words = [
            Word(
                text=w.text,
                start_ms=w.start,
                end_ms=w.end,
                confidence=w.confidence,
                speaker=w.speaker,
            )
            for w in response.words or []
        ]
        language = response.language_code
        return EngineResult(
            words=words or None,
            text=response.text or "",
            utterances=utterances,
            detected_language=str(language.value if hasattr(language, "value") else language)
            if language
            else None,
            language_confidence=response.language_confidence,
            audio_duration_s=float(response.audio_duration)
            if response.audio_duration is not None
            else None,
        )

    async def cancel(self, provider_job_id: str) -> None:
        await self._call(
            "cancelling", lambda: async_api.delete_transcript(self._http, provider_job_id)
        )


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

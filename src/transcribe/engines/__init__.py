"""Speech recognition engines: `assemblyai` (the product), `local` (faster-whisper on this
machine's CPU) and `stub` (development, tests that need exact text)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from transcribe.engines.base import (
    AudioSource,
    EngineRequest,
    EngineResult,
    Finished,
    PermanentEngineError,
    Submitted,
    TranscriptionEngine,
    TransientEngineError,
    Utterance,
    Word,
    Working,
)
from transcribe.settings import Settings

log = logging.getLogger(__name__)

# Where AssemblyAI calls us back when a transcript is done (see domain/jobs/provider_webhooks.py).
ASSEMBLYAI_WEBHOOK_PATH = "/webhooks/assemblyai"


def get_engine(settings: Settings) -> TranscriptionEngine:
    config = settings.transcription
    if config.backend == "assemblyai":
        from transcribe.engines.assemblyai import AssemblyAIEngine

        return AssemblyAIEngine(
            config.assemblyai_api_key,
            config.assemblyai_base_url,
            timeout_s=config.assemblyai_timeout_s,
            webhook_url=f"{settings.public_base_url}{ASSEMBLYAI_WEBHOOK_PATH}",
            webhook_secret=_webhook_secret(settings),
            speech_models=config.assemblyai_speech_models,
        )
    if config.backend == "local":
        from transcribe.engines.local import LocalEngine

        return LocalEngine(
            config.local_model,  # "": the bundled multilingual base
            download_dir=str(config.local_model_dir),
            concurrency=config.local_concurrency,
            cpu_threads=config.local_cpu_threads,
        )
    from transcribe.engines.stub import StubEngine

    return StubEngine()


def _webhook_secret(settings: Settings) -> str | None:
    """The secret, when provider webhooks can work: AssemblyAI needs an absolute URL."""
    secret = settings.transcription.assemblyai_webhook_secret
    if not secret:
        return None
    if urlsplit(settings.public_base_url).scheme not in ("http", "https"):
        log.warning(
            "ASSEMBLYAI_WEBHOOK_SECRET is set but PUBLIC_BASE_URL is not an http(s) URL: "
            "provider webhooks are off, the worker checks on a schedule"
        )
        return None
    return secret


def is_supported_language(engine: TranscriptionEngine, code: str) -> bool:
    return code == "auto" or code in engine.supported_languages


__all__ = [
    "AudioSource",
    "EngineRequest",
    "EngineResult",
    "Finished",
    "PermanentEngineError",
    "Submitted",
    "TranscriptionEngine",
    "TransientEngineError",
    "Utterance",
    "Word",
    "Working",
    "get_engine",
    "is_supported_language",
]

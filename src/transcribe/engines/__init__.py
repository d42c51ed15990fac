"""Speech recognition engines: `assemblyai` (the product) and `stub` (development, tests)."""

from __future__ import annotations

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
    Working,
)
from transcribe.settings import Settings

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
            webhook_secret=config.assemblyai_webhook_secret or None,
        )
    from transcribe.engines.stub import StubEngine

    return StubEngine()


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
    "Working",
    "get_engine",
    "is_supported_language",
]

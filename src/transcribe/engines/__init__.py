"""Speech recognition engines: `assemblyai` (the product) and `stub` (development, tests)."""

from __future__ import annotations

from transcribe.engines.base import (
    AudioSource,
    EngineRequest,
    EngineResult,
    PermanentEngineError,
    TranscriptionEngine,
    TransientEngineError,
    Utterance,
)
from transcribe.settings import Settings


def get_engine(settings: Settings) -> TranscriptionEngine:
    config = settings.transcription
    if config.backend == "assemblyai":
        from transcribe.engines.assemblyai import AssemblyAIEngine

        return AssemblyAIEngine(
            config.assemblyai_api_key,
            config.assemblyai_base_url,
            timeout_s=config.assemblyai_timeout_s,
            poll_initial_s=config.poll_initial_s,
            poll_max_s=config.poll_max_s,
        )
    from transcribe.engines.stub import StubEngine

    return StubEngine()


def is_supported_language(engine: TranscriptionEngine, code: str) -> bool:
    return code == "auto" or code in engine.supported_languages


__all__ = [
    "AudioSource",
    "EngineRequest",
    "EngineResult",
    "PermanentEngineError",
    "TranscriptionEngine",
    "TransientEngineError",
    "Utterance",
    "get_engine",
    "is_supported_language",
]

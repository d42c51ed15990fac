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
    """The configured engine; the log names it (the API and each worker build one, once)."""
    engine = _build_engine(settings)
    log.info("transcription %s", describe(engine))
    return engine


def describe(engine: TranscriptionEngine) -> str:
    """One line: `engine=local model=base (bundled, multilingual) languages=100
    diarization=on`."""
    model = getattr(engine, "model_label", None) or "-"
    return (
        f"engine={engine.name} model={model} languages={len(engine.supported_languages)} "
        f"diarization={'on' if engine.diarization else 'off'}"
    )


def _build_engine(settings: Settings) -> TranscriptionEngine:
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


def detects_language(engine: TranscriptionEngine) -> bool:
    """`auto` needs a model that knows more than one language (an English-only one would
    call everything English)."""
    return len(engine.supported_languages) > 1


def offered_languages(engine: TranscriptionEngine) -> list[str]:
    """What GET /engine lists: `auto` (where the engine can detect) and the ISO codes."""
    return (["auto"] if detects_language(engine) else []) + sorted(engine.supported_languages)


def is_supported_language(engine: TranscriptionEngine, code: str) -> bool:
    if code == "auto":
        return detects_language(engine)
    return code in engine.supported_languages


def language_refusal(engine: TranscriptionEngine, code: str) -> str:
    """Why `code` is refused, in words that say what to do instead (and never offer `code`)."""
    model = getattr(engine, "model_label", None)
    if model is None:
        return (
            f"Unsupported language {code!r}: use an ISO 639-1 code the {engine.name} engine "
            "supports (GET /engine lists them) or 'auto'"
        )
    known = ", ".join(sorted(engine.supported_languages))
    if code == "auto":
        what = "cannot detect the language"
    else:
        what = f"cannot transcribe {code!r}"
    return (
        f"This server's speech recognition model, {model}, {what}: it knows {known} only. "
        f"Choose {known}, or ask the server's operator to set LOCAL_MODEL to a multilingual "
        "model (empty for the bundled multilingual base, a size name such as small, or a "
        "model folder)."
    )


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
    "describe",
    "detects_language",
    "get_engine",
    "is_supported_language",
    "language_refusal",
    "offered_languages",
]

"""Rendering transcripts into downloadable files."""

from __future__ import annotations

from uuid import UUID

from transcribe.engines.base import EngineResult

FORMATS = ("txt",)


def result_object_key(user_id: UUID, job_id: UUID, fmt: str = "txt") -> str:
    return f"results/{user_id}/{job_id}/transcript.{fmt}"


def render_txt(result: EngineResult, mode: str) -> str:
    """Mono: the text. Dialogue: one `Speaker A: ...` line per utterance."""
    if mode == "dialogue" and result.utterances:
        lines = [f"Speaker {u.speaker}: {u.text.strip()}" for u in result.utterances]
        return "\n".join(lines) + "\n"
    text = result.text.strip()
    return text + "\n" if text else ""


def utterances_json(result: EngineResult) -> list[dict] | None:
    if not result.utterances:
        return None
    return [
        {"speaker": u.speaker, "text": u.text, "start_ms": u.start_ms, "end_ms": u.end_ms}
        for u in result.utterances
    ]

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from transcribe.engines import (
    AudioSource,
    EngineRequest,
    Finished,
    PermanentEngineError,
    is_supported_language,
)
from transcribe.engines.stub import StubEngine


def source(
    content: bytes, filename: str = "a.txt", content_type: str = "text/plain"
) -> AudioSource:
    async def chunks() -> AsyncIterator[bytes]:
        yield content

    return AudioSource(filename, content_type, len(content), None, chunks)


async def _run(request: EngineRequest) -> tuple:
    """The stub works inside `start`: it finishes at once and hands over no audio URL."""
    urls: list[str] = []

    async def on_audio_url(value: str) -> None:
        urls.append(value)

    outcome = await StubEngine().start(request, job_id="job-1", on_audio_url=on_audio_url)
    assert isinstance(outcome, Finished)
    return outcome.result, urls


async def test_text_is_its_own_transcript() -> None:
    result, ids = await _run(EngineRequest(source("  Привет, мир \n".encode()), "ru", "mono"))
    assert result.text == "Привет, мир" and result.utterances is None
    assert ids == []


async def test_dialogue_lines_become_turns() -> None:
    result, _ = await _run(
        EngineRequest(
            source(b"Speaker A: one\nB: two\n\nno prefix\nNote: not a speaker\nspeaker c: three"),
            "en",
            "dialogue",
        )
    )
    assert [(u.speaker, u.text) for u in result.utterances] == [
        ("A", "one"),
        ("B", "two"),
        ("A", "no prefix"),
        ("A", "Note: not a speaker"),
        ("C", "three"),
    ]
    assert result.text == "one two no prefix Note: not a speaker three"


async def test_media_says_no_recognition_ran() -> None:
    result, _ = await _run(
        EngineRequest(source(b"\xff\xfb\x90", "song.mp3", "audio/mpeg"), "en", "mono")
    )
    assert "No speech recognition ran for song.mp3" in result.text


async def test_undecodable_text_says_no_recognition_ran() -> None:
    result, _ = await _run(EngineRequest(source(b"\xff\xfe\xfa"), "en", "mono"))
    assert "No speech recognition ran" in result.text


async def test_it_has_no_provider_jobs_to_find_or_check() -> None:
    engine = StubEngine()
    assert await engine.find_submission("http://x", since=datetime.now(UTC)) is None
    with pytest.raises(PermanentEngineError, match="no longer uses"):
        await engine.check("stub:earlier")


async def test_media_in_dialogue_mode_is_one_plain_turn() -> None:
    result, _ = await _run(
        EngineRequest(source(b"\x00\x01", "clip.mp4", "video/mp4"), "auto", "dialogue")
    )
    assert [u.speaker for u in result.utterances] == ["A"]
    assert result.utterances[0].text == result.text
    assert "No speech recognition ran for clip.mp4" in result.text


async def test_stream_is_read_in_chunks() -> None:
    pieces = ["Hello, ", "wörld", " again"]
    encoded = "".join(pieces).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(encoded), 3):  # splits the ö across chunks
            yield encoded[start : start + 3]

    audio = AudioSource("notes.TXT", "application/octet-stream", len(encoded), None, chunks)
    result, _ = await _run(EngineRequest(audio, "de", "mono"))
    assert result.text == "".join(pieces)


def test_languages_helper_accepts_auto() -> None:
    engine = StubEngine()
    assert is_supported_language(engine, "auto")
    assert is_supported_language(engine, "en") and is_supported_language(engine, "uk")
    assert not is_supported_language(engine, "xx")
    assert not is_supported_language(engine, "EN")

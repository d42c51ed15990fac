from __future__ import annotations

from collections.abc import AsyncIterator

from transcribe.engines import AudioSource, EngineRequest
from transcribe.engines.stub import StubEngine


def source(
    content: bytes, filename: str = "a.txt", content_type: str = "text/plain"
) -> AudioSource:
    async def chunks() -> AsyncIterator[bytes]:
        yield content

    return AudioSource(filename, content_type, len(content), None, chunks)


async def _run(request: EngineRequest, provider_job_id: str | None = None) -> tuple:
    ids: list[str] = []

    async def on_submitted(value: str) -> None:
        ids.append(value)

    result = await StubEngine().transcribe(
        request, provider_job_id=provider_job_id, on_submitted=on_submitted
    )
    return result, ids


async def test_text_is_its_own_transcript() -> None:
    result, ids = await _run(EngineRequest(source("  Привет, мир \n".encode()), "ru", "mono"))
    assert result.text == "Привет, мир" and result.utterances is None
    assert len(ids) == 1 and ids[0].startswith("stub:")


async def test_dialogue_lines_become_turns() -> None:
    result, _ = await _run(
        EngineRequest(source(b"Speaker A: one\nB: two\nno prefix"), "en", "dialogue")
    )
    assert [(u.speaker, u.text) for u in result.utterances] == [
        ("A", "one"),
        ("B", "two"),
        ("A", "no prefix"),
    ]


async def test_media_says_no_recognition_ran() -> None:
    result, _ = await _run(
        EngineRequest(source(b"\xff\xfb\x90", "song.mp3", "audio/mpeg"), "en", "mono")
    )
    assert "No speech recognition ran for song.mp3" in result.text


async def test_undecodable_text_says_no_recognition_ran() -> None:
    result, _ = await _run(EngineRequest(source(b"\xff\xfe\xfa"), "en", "mono"))
    assert "No speech recognition ran" in result.text


async def test_resume_does_not_resubmit() -> None:
    _, ids = await _run(EngineRequest(source(b"x"), "en", "mono"), provider_job_id="stub:earlier")
    assert ids == []

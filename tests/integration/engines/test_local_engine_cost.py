"""What the local engine costs beside bare faster-whisper: the engine, preloaded the way a
worker preloads it (from a thread that then ends), spends no more CPU on a clip than
`WhisperModel.transcribe` with the same model, threads, word timings and VAD. Loaded in a
thread that had ended, every transcription used to take two to three times the CPU."""

from __future__ import annotations

import resource
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

pytest.importorskip("faster_whisper", reason="the `local` extra is not installed")

from tests.helpers import speech


def cpu_seconds() -> float:
    """This process's CPU time, every thread's (CTranslate2's own threads included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def test_a_preloaded_engine_costs_no_more_cpu_than_bare_faster_whisper(
    tmp_path: Path,
) -> None:
    from faster_whisper import WhisperModel

    from transcribe.engines import AudioSource, EngineRequest
    from transcribe.engines.local import LocalEngine, default_model

    wav = speech.speak(speech.varied_text(6, seed=5), tmp_path / "clip.wav")  # about 25 s
    engine = LocalEngine(default_model(), download_dir="var/models")
    preload = threading.Thread(target=engine.preload)  # as transcribe.worker does
    preload.start()
    preload.join()

    async def chunks() -> AsyncIterator[bytes]:
        yield wav.read_bytes()

    async def transcribed_by_the_engine() -> float:
        before = cpu_seconds()
        outcome = await engine.start(
            EngineRequest(
                AudioSource("clip.wav", "audio/wav", wav.stat().st_size, None, chunks), "en", "mono"
            ),
            job_id="j",
            on_audio_url=_unused,
        )
        assert outcome.result.words
        return cpu_seconds() - before

    # The engine first: a model loaded in this thread too would hide what the engine's own
    # loading does to CTranslate2's threads.
    engine_cpu = [await transcribed_by_the_engine() for _ in range(2)]
    bare_model = WhisperModel(engine._model_path(), device="cpu", compute_type="int8")
    bare_cpu = []
    for _ in range(2):
        before = cpu_seconds()
        segments, _ = bare_model.transcribe(
            str(wav), language="en", word_timestamps=True, vad_filter=True
        )
        assert [s.text for s in segments]
        bare_cpu.append(cpu_seconds() - before)
    # Measured here: 2.1 s beside 2.4 s for 25 s of speech; 7.4 s beside 2.3 s when the model
    # was loaded in the worker's preload thread.
    assert min(engine_cpu) < 1.3 * min(bare_cpu), (engine_cpu, bare_cpu)


async def _unused(url: str) -> None:
    raise AssertionError("a local engine hands no audio URL to anyone")

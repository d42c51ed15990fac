"""Diarization on real voices (espeak-ng's), with word times taken from the known turns: the
voice encoder, the clustering and the labelling, without Whisper."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("resemblyzer", reason="the `diarization` extra is not installed")
pytest.importorskip("faster_whisper", reason="the `local` extra is not installed")

from faster_whisper.audio import decode_audio

from tests.helpers.dialogue import ENGLISH_LINES, Dialogue, attribution, make_dialogue
from transcribe.engines import diarization
from transcribe.engines.base import Word


def words_of(dialogue: Dialogue) -> list[Word]:
    """Each turn's words spread evenly over its time, as a recogniser would time them."""
    found = []
    for turn in dialogue.turns:
        texts = turn.text.split()
        step = (turn.end_s - turn.start_s) / len(texts)
        for i, text in enumerate(texts):
            start = turn.start_s + i * step
            found.append(Word(text, round(start * 1000), round((start + step * 0.9) * 1000)))
    return found


@pytest.mark.parametrize(
    ("voices", "speakers"),
    [
        (["en+m3", "en+f2"], None),
        (["en+m1", "en+m7"], None),
        (["en+m3", "en+f2", "en+m7"], 3),
        (["en+m3", "en+f2", "en+m7", "en+f4"], None),  # two men, two women: four, not two
    ],
)
def test_voices_are_told_apart(tmp_path: Path, voices: list[str], speakers: int | None) -> None:
    dialogue = make_dialogue(ENGLISH_LINES[: 3 * len(voices)], voices, tmp_path / "d.wav")
    audio = decode_audio(str(dialogue.wav), sampling_rate=diarization.SAMPLE_RATE)
    named, turns = diarization.diarize(audio, words_of(dialogue), speakers=speakers)
    assert len({w.speaker for w in named}) == len(voices)
    score = attribution(dialogue, [(w.speaker, w.start_ms / 1000, w.end_ms / 1000) for w in named])
    assert score >= 0.95, score
    assert [t.speaker for t in turns][: len(voices)] == list("ABCD"[: len(voices)])


def test_one_voice_is_one_speaker(tmp_path: Path) -> None:
    dialogue = make_dialogue(ENGLISH_LINES[:5], ["en+f2"], tmp_path / "d.wav")
    audio = decode_audio(str(dialogue.wav), sampling_rate=diarization.SAMPLE_RATE)
    named, turns = diarization.diarize(audio, words_of(dialogue))
    assert {w.speaker for w in named} == {"A"} and len(turns) == 1


def test_a_cancel_stops_the_embedding(tmp_path: Path) -> None:
    dialogue = make_dialogue(ENGLISH_LINES[:2], ["en+m3", "en+f2"], tmp_path / "d.wav")
    audio = decode_audio(str(dialogue.wav), sampling_rate=diarization.SAMPLE_RATE)
    with pytest.raises(diarization.Cancelled):
        diarization.diarize(audio, words_of(dialogue), is_cancelled=lambda: True)


def test_silence_and_the_warm_up_embed_without_error() -> None:
    diarization.warm_up()  # what a worker does as it starts
    silence = np.zeros(diarization.SAMPLE_RATE * 3, dtype=np.float32)
    found = diarization.embed(silence, [diarization.Window(0.5, 2.1)])
    assert found.shape == (1, 256) and np.isfinite(found).all()


@pytest.mark.parametrize(("samples", "scale"), [(16_000, 0.1), (32_123, 0.3), (400, 0.05)])
def test_the_encoder_gets_the_input_resemblyzer_would_give_it(samples: int, scale: float) -> None:
    """Our numpy mel spectrogram and level, against Resemblyzer's own (librosa's)."""
    from resemblyzer import audio as resemblyzer_audio

    noise = np.random.default_rng(samples).normal(scale=scale, size=samples).astype(np.float32)
    theirs = resemblyzer_audio.wav_to_mel_spectrogram(noise)
    assert np.allclose(diarization.mel_frames(noise), theirs, rtol=1e-4, atol=1e-6)
    quiet = noise / 100
    assert np.allclose(
        diarization._at_encoder_level(quiet),
        resemblyzer_audio.normalize_volume(quiet, -30, increase_only=True),
        rtol=1e-5,
    )


def test_the_mel_spectrogram_of_a_long_recording_is_computed_in_blocks() -> None:
    """Past one block (a minute), the blocks join seamlessly."""
    noise = np.random.default_rng(5).normal(scale=0.1, size=16_000 * 130).astype(np.float32)
    whole = diarization.mel_frames(noise)
    assert whole.shape == (13_001, 40)
    from resemblyzer import audio as resemblyzer_audio

    around = slice(5_990 * 160, 6_010 * 160)  # the join between the first two blocks
    assert np.allclose(
        whole[5_995:6_005], diarization.mel_frames(noise[around])[5:15], rtol=1e-4, atol=1e-6
    )
    assert np.allclose(whole, resemblyzer_audio.wav_to_mel_spectrogram(noise), rtol=1e-4, atol=1e-6)

"""Diarization on real voices (espeak-ng's), with word times taken from the known turns: the
voice encoder, the clustering and the labelling, without Whisper."""

from __future__ import annotations

from pathlib import Path

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
    [(["en+m3", "en+f2"], None), (["en+m1", "en+m7"], None), (["en+m3", "en+f2", "en+m7"], 3)],
)
def test_voices_are_told_apart(tmp_path: Path, voices: list[str], speakers: int | None) -> None:
    dialogue = make_dialogue(ENGLISH_LINES[: 3 * len(voices)], voices, tmp_path / "d.wav")
    audio = decode_audio(str(dialogue.wav), sampling_rate=diarization.SAMPLE_RATE)
    named, turns = diarization.diarize(audio, words_of(dialogue), speakers=speakers)
    assert len({w.speaker for w in named}) == len(voices)
    score = attribution(dialogue, [(w.speaker, w.start_ms / 1000, w.end_ms / 1000) for w in named])
    assert score >= 0.95, score
    assert [t.speaker for t in turns][: len(voices)] == ["A", "B", "C"][: len(voices)]


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

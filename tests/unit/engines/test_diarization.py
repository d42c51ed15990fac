"""Diarization's parts that need no voice: stretches and windows from word times, the speaker
count read from a clustering tree, words labelled from windows, utterances at changes."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

pytest.importorskip("scipy", reason="the `diarization` extra is not installed")

from transcribe.engines import diarization
from transcribe.engines.base import Word
from transcribe.engines.diarization import Window


def word(text: str, start_s: float, end_s: float, speaker: str | None = None) -> Word:
    return Word(text, round(start_s * 1000), round(end_s * 1000), 0.9, speaker)


def test_a_pause_longer_than_the_limit_splits_the_speech() -> None:
    words = [word("a", 0.0, 0.4), word("b", 0.5, 1.0), word("c", 1.6, 2.0), word("d", 2.1, 2.3)]
    assert diarization.speech_stretches(words, pause_s=0.25) == [
        Window(0.0, 1.0),
        Window(1.6, 2.3),
    ]


def test_windows_cover_a_stretch_and_stay_inside_it() -> None:
    found = diarization.windows([Window(10.0, 14.0), Window(20.0, 21.0), Window(30.0, 30.1)])
    long = [w for w in found if w.start_s < 15]
    assert all(round(w.end_s - w.start_s, 6) == diarization.WINDOW_S for w in long)
    assert long[0].start_s == 10.0 and long[-1].end_s == pytest.approx(14.0)
    assert all(10.0 <= w.start_s and w.end_s <= 14.0 + 1e-9 for w in long)
    gaps = np.diff([w.start_s for w in long])
    assert gaps.max() <= diarization.STEP_S + 1e-9  # every moment is heard
    # A stretch shorter than a window is one window; one too short to hear a voice, none.
    assert Window(20.0, 21.0) in found and not any(w.start_s >= 30 for w in found)


def _voices(centres: int, per_voice: int, spread: float, seed: int = 1) -> tuple:
    """Unit vectors scattered around `centres` random directions in 256 dimensions."""
    rng = np.random.default_rng(seed)
    directions = np.abs(rng.normal(size=(centres, 256)))  # the encoder's outputs are >= 0
    points, truth = [], []
    for voice, direction in enumerate(directions):
        for _ in range(per_voice):
            point = direction / np.linalg.norm(direction) + rng.normal(scale=spread, size=256)
            points.append(point / np.linalg.norm(point))
            truth.append(voice)
    order = rng.permutation(len(points))
    return np.array(points)[order], np.array(truth)[order]


def _agreement(found: np.ndarray, truth: np.ndarray) -> float:
    """Share of points whose cluster's majority voice is their own voice."""
    right = sum(np.bincount(truth[found == label]).max() for label in np.unique(found))
    return right / len(truth)


@pytest.mark.parametrize("voices", [2, 3, 5])
def test_the_number_of_voices_is_found(voices: int) -> None:
    embeddings, truth = _voices(voices, per_voice=20, spread=0.05)
    found = diarization.cluster(embeddings)
    assert len(set(found)) == voices
    assert _agreement(found, truth) == 1.0


def test_one_voice_stays_one_speaker() -> None:
    embeddings, _ = _voices(1, per_voice=40, spread=0.05)
    assert set(diarization.cluster(embeddings)) == {0}


def test_the_expected_number_of_speakers_is_kept() -> None:
    embeddings, truth = _voices(3, per_voice=15, spread=0.05)
    assert _agreement(diarization.cluster(embeddings, speakers=3), truth) == 1.0
    assert len(set(diarization.cluster(embeddings, speakers=2))) == 2
    assert set(diarization.cluster(embeddings, speakers=1)) == {0}
    # More speakers expected than windows to tell apart: one speaker a window, no more.
    assert len(set(diarization.cluster(embeddings[:2], speakers=5))) == 2


@pytest.mark.parametrize(
    ("heights", "speakers"),
    [
        ([0.5, 0.6, 0.7, 0.8, 2.4], 2),  # one merge far above the rest: two voices
        ([0.5, 0.6, 0.7, 1.9, 2.4], 3),
        # Four: the clearest gap parts two pairs (men, women), a clear one still parts each pair.
        ([1.0, 1.1, 1.2, 3.8, 4.1, 7.2], 4),
        ([0.5, 0.6, 0.7, 0.8, 0.9], 1),  # steady growth: one voice split by chance
        ([0.5], 1),
        ([], 1),
    ],
)
def test_the_speaker_count_is_read_from_the_gap_in_the_tree(
    heights: list[float], speakers: int
) -> None:
    assert diarization.estimate_speakers(np.array(heights)) == speakers


def test_the_count_is_capped() -> None:
    heights = np.array([0.1] * 20 + [5.0] * 12)  # twelve clear groups
    assert diarization.estimate_speakers(heights, max_speakers=8) <= 8


def test_each_word_takes_the_speaker_of_the_windows_it_was_said_in() -> None:
    spans = [Window(0.0, 1.6), Window(0.4, 2.0), Window(3.0, 4.6), Window(3.4, 5.0)]
    labels = np.array([1, 1, 0, 0])
    words = [word("hello", 0.2, 0.6), word("there", 1.7, 1.9), word("yes", 4.7, 4.9)]
    # Between the stretches (no window covers it): the nearest window's speaker.
    words.append(word("um", 2.4, 2.5))
    assert diarization.label_words(words, spans, labels) == [1, 1, 0, 1]


def test_speakers_are_lettered_in_order_of_appearance() -> None:
    assert diarization.speaker_letters([3, 3, 0, 3, 1, 0]) == ["A", "A", "B", "A", "C", "B"]


def test_utterances_change_with_the_speaker() -> None:
    words = [
        word("Good", 0.0, 0.3, "A"),
        word("morning.", 0.3, 0.8, "A"),
        word("Hi!", 1.2, 1.5, "B"),
        word("Shall", 2.0, 2.2, "A"),
        word("we?", 2.2, 2.5, "A"),
    ]
    found = diarization.utterances(words)
    assert [(u.speaker, u.text, u.start_ms, u.end_ms) for u in found] == [
        ("A", "Good morning.", 0, 800),
        ("B", "Hi!", 1200, 1500),
        ("A", "Shall we?", 2000, 2500),
    ]
    assert diarization.utterances([]) == []


def test_no_speech_to_embed_is_one_speaker() -> None:
    words = [word("Hm.", 0.0, 0.1)]  # shorter than any window
    named, turns = diarization.diarize(np.zeros(16_000, dtype=np.float32), words)
    assert [w.speaker for w in named] == ["A"] and [t.text for t in turns] == ["Hm."]


def test_without_the_extra_it_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert diarization.is_installed() is (importlib.util.find_spec("resemblyzer") is not None)
    monkeypatch.setitem(sys.modules, "resemblyzer", None)  # import raises ImportError
    assert diarization.is_installed() is False


def test_long_recordings_cluster_a_sample_and_place_the_rest() -> None:
    embeddings, truth = _voices(3, per_voice=200, spread=0.05)
    full = np.ones(len(embeddings), dtype=bool)
    full[::7] = False  # short windows are placed, never clustered
    found = diarization.speaker_numbers(embeddings, full, max_clustered=60)
    assert len(set(found)) == 3 and _agreement(found, truth) == 1.0
    assert _agreement(diarization.speaker_numbers(embeddings, full, 3, 60), truth) == 1.0
    # Too few full windows to cluster alone: all of them are clustered.
    few = np.zeros(len(embeddings), dtype=bool)
    few[:3] = True
    assert len(set(diarization.speaker_numbers(embeddings[:30], few[:30], 2))) == 2


def test_stretches_are_cut_at_silences_the_words_run_over() -> None:
    quiet = np.zeros(600, dtype=bool)  # 6 s of 10 ms frames
    quiet[:50] = True  # silence before the speech
    quiet[200:240] = True  # 0.4 s: a pause between turns
    quiet[300:310] = True  # 0.1 s: a breath, not a pause
    quiet[450:] = True
    found = diarization.split_at_pauses([Window(0.3, 5.0)], quiet, pause_s=0.25)
    assert found == [Window(0.5, 2.0), Window(2.4, 4.5)]
    # A stretch with no sound measured in it is kept as the words said.
    assert diarization.split_at_pauses([Window(0.0, 0.4)], quiet) == [Window(0.0, 0.4)]


def test_quiet_frames_are_far_below_the_loud_ones() -> None:
    energy = np.concatenate([np.full(80, 1.0), np.full(10, 1e-4), np.full(10, 0.05)])
    mel = np.repeat(energy[:, None] / 40, 40, axis=1)
    quiet = diarization.quiet_frames(mel)
    assert not quiet[:80].any() and quiet[80:90].all() and not quiet[90:].any()

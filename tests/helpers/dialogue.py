"""Dialogues for diarization tests: espeak-ng voices (or, for Russian, Festival's voice and a
faster, higher copy of it) take turns in one WAV, and the turn times are known, so a test can
count the words given to the right speaker."""

from __future__ import annotations

import itertools
import random
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from tests.helpers.festival import say_russian
from tests.helpers.speech import needs_espeak

RATE = 22050  # espeak-ng's own rate, the same for every voice

# Russian voices: espeak-ng's Russian is so robotic that Whisper drops whole turns of it (on
# some CPUs), which tests the recogniser, not the voices. Festival's msu_ru_nsh is recorded
# speech; played 15% faster it is a second voice, higher and quicker.
FESTIVAL_RU = "festival-ru"
FESTIVAL_RU_FAST = "festival-ru-fast"
_FESTIVAL_RATE = 16_000

# Lines to say, varied so that Whisper never meets a repeat (it stalls on repeats).
ENGLISH_LINES = [
    "Good morning, thank you for coming in so early today.",
    "It is no trouble at all, I was awake before the sun anyway.",
    "Shall we start with the budget for the new library building?",
    "Yes, the numbers came in last night and they look better than expected.",
    "That is good news, the council will be pleased to hear it.",
    "We still need to choose the builder before the end of the month.",
    "I have three offers on my desk and one of them is very cheap.",
    "Cheap is fine as long as the roof does not leak in winter.",
    "The cheapest firm built the school in our village ten years ago.",
    "Then let us visit that school and look at the roof together.",
    "I can drive us there on Thursday after lunch if you like.",
    "Thursday suits me, and I will bring the drawings with me.",
    "Do not forget the report about the car park and the garden.",
    "I will print it tonight and put it in a folder for you.",
    "Perfect, then we are done for today, thank you very much.",
    "Thank you too, see you on Thursday at the station.",
]

RUSSIAN_LINES = [
    "Доброе утро, спасибо, что пришли так рано.",
    "Ничего страшного, я сегодня встал очень рано.",
    "Давайте начнём с бюджета новой библиотеки.",
    "Хорошо, цифры пришли вчера вечером, и они лучше, чем мы ждали.",
    "Это хорошая новость, совет будет очень доволен.",
    "Нам ещё нужно выбрать строителя до конца месяца.",
    "У меня на столе три предложения, одно из них очень дешёвое.",
    "Дешёвое подойдёт, если крыша не будет течь зимой.",
]


@dataclass(frozen=True)
class Turn:
    voice: str  # the voice that says it: the true speaker
    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Dialogue:
    wav: Path
    turns: list[Turn]

    @property
    def voices(self) -> list[str]:
        return sorted({turn.voice for turn in self.turns})

    @property
    def duration_s(self) -> float:
        return self.turns[-1].end_s

    def voice_at(self, seconds: float) -> str:
        """Who speaks at `seconds` (in a pause: whoever's turn is nearest)."""
        return min(
            self.turns,
            key=lambda t: (
                0
                if t.start_s <= seconds <= t.end_s
                else min(abs(seconds - t.start_s), abs(seconds - t.end_s))
            ),
        ).voice


def _said(text: str, voice: str, words_per_minute: int) -> np.ndarray:
    if voice in (FESTIVAL_RU, FESTIVAL_RU_FAST):
        return _said_by_festival(text, speed=1.15 if voice == FESTIVAL_RU_FAST else 1.0)
    needs_espeak()
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    samples = np.frombuffer(wav[44:], dtype=np.int16)  # a plain 44-byte RIFF header
    spoken = np.flatnonzero(np.abs(samples) > 200)  # without espeak's own silence around it
    return samples[spoken[0] : spoken[-1] + 1] if spoken.size else samples


def _said_by_festival(text: str, *, speed: float) -> np.ndarray:
    from scipy.signal import resample_poly  # scipy comes with the diarization extra

    with tempfile.TemporaryDirectory() as folder:
        wav = say_russian(text, Path(folder) / "said.wav")
        with wave.open(str(wav), "rb") as source:
            assert source.getframerate() == _FESTIVAL_RATE and source.getnchannels() == 1
            samples = np.frombuffer(source.readframes(source.getnframes()), dtype=np.int16)
    # Resampled as if recorded at `speed` times its rate: faster, and higher in every formant.
    ratio = Fraction(RATE, round(_FESTIVAL_RATE * speed)).limit_denominator(1000)
    resampled = resample_poly(samples.astype(np.float32), ratio.numerator, ratio.denominator)
    samples = np.clip(resampled, -32768, 32767).astype(np.int16)
    spoken = np.flatnonzero(np.abs(samples) > 200)
    return samples[spoken[0] : spoken[-1] + 1] if spoken.size else samples


def make_dialogue(
    lines: Sequence[str],
    voices: Sequence[str],
    wav: Path,
    *,
    pause_s: float = 0.5,
    words_per_minute: int = 160,
    seed: int = 3,
) -> Dialogue:
    """`lines` said in turns by `voices` (round robin), `pause_s` of silence between turns,
    give or take a fifth (people do not take turns to the millisecond)."""
    rng = random.Random(seed)
    pieces: list[np.ndarray] = []
    turns: list[Turn] = []
    cursor = 0
    for line, voice in zip(lines, itertools.cycle(voices), strict=False):
        if pieces:
            gap = int(RATE * pause_s * rng.uniform(0.8, 1.2))
            pieces.append(np.zeros(gap, dtype=np.int16))
            cursor += gap
        said = _said(line, voice, words_per_minute)
        pieces.append(said)
        turns.append(Turn(voice, line, cursor / RATE, (cursor + len(said)) / RATE))
        cursor += len(said)
    pieces.append(np.zeros(RATE // 2, dtype=np.int16))
    with wave.open(str(wav), "wb") as sink:
        sink.setnchannels(1)
        sink.setsampwidth(2)
        sink.setframerate(RATE)
        sink.writeframes(np.concatenate(pieces).tobytes())
    return Dialogue(wav, turns)


def attribution(dialogue: Dialogue, words: Sequence[tuple[str | None, float, float]]) -> float:
    """The share of words (speaker label, start s, end s) given to their true speaker, with the
    labels matched to the voices the way that agrees best (labels are arbitrary names)."""
    truth = [dialogue.voice_at((start + end) / 2) for _, start, end in words]
    labels = sorted({label for label, _, _ in words if label is not None})
    voices = dialogue.voices
    best = 0
    # Every one-to-one naming of labels by voices (a label with no voice left counts as wrong).
    width = max(len(labels), len(voices))
    for naming in itertools.permutations([*voices, *[None] * (width - len(voices))], width):
        named = dict(zip(labels, naming, strict=False))
        right = sum(
            1
            for (label, _, _), voice in zip(words, truth, strict=True)
            if named.get(label) == voice
        )
        best = max(best, right)
    return best / len(words) if words else 0.0

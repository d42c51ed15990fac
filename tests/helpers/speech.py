"""Real speech for tests: espeak-ng says the words, PyAV packs them into other containers."""

from __future__ import annotations

import random
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "We will meet at the station tomorrow morning.",
    "Please send me the report before the end of the week.",
    "The weather is warm and the garden is full of flowers.",
]


_WORDS = (
    "apple river mountain quickly yellow teacher window garden silver market thunder pencil "
    "ocean village happy bridge coffee doctor island winter forest music letter rocket simple "
    "purple engine castle morning student"
).split()


def varied_text(sentences: int, seed: int = 7) -> str:
    """Long speech without repetition (Whisper slows to a crawl on text that repeats)."""
    rng = random.Random(seed)
    return " ".join(
        " ".join(rng.choice(_WORDS) for _ in range(8)).capitalize() + "." for _ in range(sentences)
    )


def needs_espeak() -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng; .ci/run does)")


# Russian for espeak-ng's `ru` voice: everyday sentences, said as written.
RUSSIAN_SENTENCES = [
    "Сегодня хорошая погода, и мы идём гулять в парк.",
    "Мой брат работает врачом в большой больнице.",
    "Пожалуйста, позвоните мне завтра утром.",
    "Эта книга очень интересная, я читаю её каждый вечер.",
]


def speak(text: str, wav: Path, *, words_per_minute: int = 150, voice: str = "en-us") -> Path:
    needs_espeak()
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(wav), text],
        check=True,
        capture_output=True,
    )
    return wav


def _audio_frames(wav: Path) -> tuple[np.ndarray, int]:
    with av.open(str(wav)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        samples = np.concatenate(
            [frame.to_ndarray().reshape(-1) for frame in container.decode(stream)]
        )
    return samples.astype(np.int16), rate


def _audio_stream(output: av.container.OutputContainer, codec: str, rate: int) -> av.AudioStream:
    stream = output.add_stream(codec, rate=rate if codec != "libmp3lame" else 22050)
    stream.layout = "mono"
    return stream


def _write_audio(output: av.container.OutputContainer, codec: str, samples: np.ndarray, rate: int):
    _encode_audio(output, _audio_stream(output, codec, rate), samples, rate)


def _encode_audio(
    output: av.container.OutputContainer, stream: av.AudioStream, samples: np.ndarray, rate: int
) -> None:
    resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=stream.rate)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = rate
    frame.pts = 0
    frame.time_base = Fraction(1, rate)
    for resampled in resampler.resample(frame) + resampler.resample(None):
        for packet in stream.encode(resampled):
            output.mux(packet)
    for packet in stream.encode(None):
        output.mux(packet)


def to_mp3(wav: Path, mp3: Path) -> Path:
    samples, rate = _audio_frames(wav)
    with av.open(str(mp3), "w", format="mp3") as output:
        _write_audio(output, "libmp3lame", samples, rate)
    return mp3


def convert(wav: Path, out: Path, container: str, codec: str) -> Path:
    """The speech in another audio container (flac, ogg/opus, m4a/aac, ...)."""
    samples, rate = _audio_frames(wav)
    with av.open(str(out), "w", format=container) as output:
        stream = _audio_stream(output, codec, 48000 if codec == "libopus" else rate)
        _encode_audio(output, stream, samples, rate)
    return out


def to_webm(wav: Path, webm: Path) -> Path:
    """A WebM video (VP8) with the speech as its Opus sound track."""
    samples, rate = _audio_frames(wav)
    with av.open(str(webm), "w", format="webm") as output:
        video = _video_stream(output, codec="libvpx")
        audio = _audio_stream(output, "libopus", 48000)
        _video(output, len(samples) / rate, video)
        _encode_audio(output, audio, samples, rate)
    return webm


def _video_stream(output: av.container.OutputContainer, codec: str = "mpeg4") -> av.VideoStream:
    stream = output.add_stream(codec, rate=10)
    stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
    return stream


def _video(output: av.container.OutputContainer, seconds: float, stream=None) -> None:
    stream = stream or _video_stream(output)
    for i in range(max(1, int(seconds * 10))):
        image = np.full((48, 64, 3), (i * 7) % 255, dtype=np.uint8)
        for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
            output.mux(packet)
    for packet in stream.encode(None):
        output.mux(packet)


def to_mp4(wav: Path, mp4: Path) -> Path:
    """A video with the speech as its AAC sound track."""
    samples, rate = _audio_frames(wav)
    with av.open(str(mp4), "w", format="mp4") as output:
        video, audio = _video_stream(output), _audio_stream(output, "aac", rate)
        _video(output, len(samples) / rate, video)
        _encode_audio(output, audio, samples, rate)
    return mp4


def video_without_audio(mp4: Path, seconds: float = 2) -> Path:
    with av.open(str(mp4), "w", format="mp4") as output:
        _video(output, seconds)
    return mp4


def silence(wav: Path, seconds: float = 3, rate: int = 16000) -> Path:
    with av.open(str(wav), "w", format="wav") as output:
        _write_audio(output, "pcm_s16le", np.zeros(int(seconds * rate), dtype=np.int16), rate)
    return wav

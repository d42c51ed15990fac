"""Who speaks when, on the CPU: the local engine's diarization for `dialogue` jobs.

The words Whisper found say where the speech is, cut where the audio falls silent (Whisper's
word times run on over pauses). Resemblyzer's voice encoder (a small LSTM whose weights ship
inside its package) turns windows of that speech into voice embeddings;
scipy clusters them (Ward's agglomerative clustering) into as many speakers as the job
expects, or as many as the voices' separation suggests; each word then takes the speaker of
the windows it was said in, and utterances are cut where the speaker changes. Speakers are
named "A", "B", ... in order of appearance, as AssemblyAI names them.

Installed with the `diarization` extra; without it `is_installed()` is false and the engine
refuses `dialogue` as before. Windows stay inside stretches of speech, so a window rarely
hears two people.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import string
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from transcribe.engines.base import Utterance, Word

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000  # what Whisper decodes to, and what the voice encoder expects
FRAMES_PER_S = 100  # the encoder's mel frames are 10 ms apart
WINDOW_S = 1.6  # the length of the partial utterances the encoder was trained on
STEP_S = 0.4
SHORTEST_S = 0.3  # a stretch of speech shorter than this has too little voice to embed
PAUSE_S = 0.25  # words further apart than this are separate stretches of speech
MAX_SPEAKERS = 8
# How much higher than the next merge a merge must be for its two sides to be two voices:
# measured on espeak-ng voices, a split of one voice reaches 1.2, two voices 1.6 and more.
SPLIT_GAP = 1.4
SILENCE_DB = 30  # frames this far below the loud speech are silent
# Silence this long cuts a stretch (turns often follow closer than the words' times show;
# shorter cuts leave too few full windows to count voices by).
SILENT_PAUSE_S = 0.15
_BATCH = 64  # windows through the encoder at once (then a cancel is checked)
_MEL_BLOCK = 6000  # mel frames computed at once (a minute)
# Windows clustered at most (the tree needs memory in their square: 2,000 take 16 MB); in
# longer recordings an even sample of them is clustered and the rest join the nearest speaker.
MAX_CLUSTERED = 2000


@dataclass(frozen=True)
class Window:
    start_s: float
    end_s: float

    @property
    def full(self) -> bool:
        """As long as the encoder's training windows (short ones are less reliable)."""
        return self.end_s - self.start_s >= WINDOW_S - 1e-6


def is_installed() -> bool:
    """Whether the extra is there, without importing it: torch alone takes seconds and some
    hundreds of MB, which the API (that only says whether `dialogue` is offered) never needs."""
    return all(importlib.util.find_spec(name) is not None for name in _NEEDS)


_NEEDS = ("resemblyzer", "torch", "scipy")


@contextlib.contextmanager
def _quiet_imports() -> Iterator[None]:
    """Resemblyzer's imports warn about deprecated scipy and pkg_resources names it uses."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        yield


_encoder: Any = None
_encoder_lock = threading.Lock()


def encoder() -> Any:
    """Resemblyzer's VoiceEncoder on the CPU, loaded once per process (some 17 MB of weights,
    a second or two), whichever job asks first."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            import torch

            with _quiet_imports():
                from resemblyzer import VoiceEncoder

            # One thread: right after Whisper, CTranslate2's OpenMP threads still spin on the
            # cores, and torch's own fought them (measured for a minute of dialogue: 3.2 s
            # with two threads, 0.7 s with one).
            torch.set_num_threads(1)
            _encoder = VoiceEncoder("cpu", verbose=False)
            _encoder.eval()
        return _encoder


def speech_stretches(words: Sequence[Word], pause_s: float = PAUSE_S) -> list[Window]:
    """The words' times joined into stretches of speech, split where a pause is longer than
    `pause_s`."""
    stretches: list[Window] = []
    for word in sorted(_timed(words), key=lambda w: w.start_ms or 0):
        start, end = (word.start_ms or 0) / 1000, (word.end_ms or 0) / 1000
        if stretches and start - stretches[-1].end_s <= pause_s:
            last = stretches[-1]
            stretches[-1] = Window(last.start_s, max(last.end_s, end))
        else:
            stretches.append(Window(start, end))
    return stretches


def quiet_frames(mel: np.ndarray) -> np.ndarray:
    """Which 10 ms frames are silence: more than SILENCE_DB below the recording's loud
    speech (the 95th percentile of the frames' energy)."""
    energy = 10 * np.log10(mel.sum(axis=1) + 1e-12)
    return energy < np.percentile(energy, 95) - SILENCE_DB


def split_at_pauses(
    stretches: Sequence[Window], quiet: np.ndarray, pause_s: float = SILENT_PAUSE_S
) -> list[Window]:
    """The stretches cut where the audio is silent for `pause_s` or more, and their silent
    ends trimmed: Whisper's word times often run on over a pause, into the next turn."""
    found: list[Window] = []
    shortest = round(pause_s * FRAMES_PER_S)
    for stretch in stretches:
        first = round(stretch.start_s * FRAMES_PER_S)
        last = min(round(stretch.end_s * FRAMES_PER_S), len(quiet))
        voiced = np.concatenate([[False], ~quiet[first:last], [False]])
        edges = np.flatnonzero(np.diff(voiced.astype(np.int8)))
        starts, ends = edges[::2], edges[1::2]
        if not starts.size:
            found.append(stretch)  # no sound measured: trust the words
            continue
        keep = np.concatenate([[True], starts[1:] - ends[:-1] >= shortest])
        run_starts = starts[keep]
        run_ends = np.append(ends[np.flatnonzero(keep)[1:] - 1], ends[-1])
        found.extend(
            Window((first + a) / FRAMES_PER_S, (first + b) / FRAMES_PER_S)
            for a, b in zip(run_starts, run_ends, strict=True)
        )
    return found


def windows(
    stretches: Sequence[Window], window_s: float = WINDOW_S, step_s: float = STEP_S
) -> list[Window]:
    """Windows of `window_s` every `step_s` inside each stretch (the last one flush with its
    end); a stretch shorter than a window is one window of its own length."""
    found: list[Window] = []
    for stretch in stretches:
        length = stretch.end_s - stretch.start_s
        if length < SHORTEST_S:
            continue
        if length <= window_s:
            found.append(stretch)
            continue
        starts = list(np.arange(stretch.start_s, stretch.end_s - window_s, step_s))
        starts.append(stretch.end_s - window_s)
        found.extend(Window(float(s), float(s) + window_s) for s in starts)
    return found


def embed(
    audio: np.ndarray,
    spans: Sequence[Window],
    is_cancelled: Callable[[], bool] = lambda: False,
) -> np.ndarray:
    """One L2-normed voice embedding (256 values) per window of `audio` (16 kHz mono float)."""
    return embed_frames(mel_frames(_at_encoder_level(audio)), spans, is_cancelled)


def embed_frames(
    mel: np.ndarray,
    spans: Sequence[Window],
    is_cancelled: Callable[[], bool] = lambda: False,
) -> np.ndarray:
    """`embed`, from the recording's mel frames."""
    import torch

    model = encoder()
    found = np.zeros((len(spans), 256), dtype=np.float32)
    by_length: dict[int, list[int]] = {}
    for index, span in enumerate(spans):
        length = round((span.end_s - span.start_s) * FRAMES_PER_S)
        by_length.setdefault(max(1, length), []).append(index)
    with torch.inference_mode(), _denormals_flushed():
        for length, indexes in by_length.items():
            for first in range(0, len(indexes), _BATCH):
                if is_cancelled():
                    raise Cancelled
                batch = indexes[first : first + _BATCH]
                frames = np.stack([_frames(mel, spans[i], length) for i in batch])
                found[batch] = model(torch.from_numpy(frames)).numpy()
    return found


@contextlib.contextmanager
def _denormals_flushed() -> Iterator[None]:
    """Quiet frames make denormal numbers in the LSTM, which the CPU handles several times
    slower (measured: 1.3 s against 0.34 s for a minute of dialogue): flushed to zero while
    the encoder runs, in this thread (the flag is the thread's, and Whisper's next)."""
    import torch

    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def _at_encoder_level(audio: np.ndarray) -> np.ndarray:
    """As Resemblyzer prepares its input: a quiet recording brought up to -30 dBFS (its RMS
    over the whole recording), a loud one left as it is."""
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    if rms == 0:
        return audio  # all silence has no level to bring up
    gain = 10 ** (-30 / 20) / rms
    return audio * gain if gain > 1 else audio


def mel_frames(audio: np.ndarray) -> np.ndarray:
    """The encoder's input, (frames, 40): the power mel spectrogram Resemblyzer computes with
    librosa (25 ms Hann windows every 10 ms, centred; 40 Slaney mel bands), in numpy.
    librosa's own spends seconds and some 170 MB loading numba the first time."""
    n_fft, hop = SAMPLE_RATE * 25 // 1000, SAMPLE_RATE * 10 // 1000
    padded = np.pad(audio.astype(np.float32), n_fft // 2)
    count = 1 + (len(padded) - n_fft) // hop
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop][:count]
    window = np.hanning(n_fft + 1)[:-1]  # periodic, as scipy's get_window("hann")
    bank = _mel_bank(n_fft).T
    found = np.empty((count, bank.shape[1]), dtype=np.float32)
    for first in range(0, count, _MEL_BLOCK):  # a block at a time: an hour's spectrum is GBs
        block = frames[first : first + _MEL_BLOCK] * window
        found[first : first + len(block)] = np.abs(np.fft.rfft(block, axis=1)) ** 2 @ bank
    return found


def _mel_bank(n_fft: int, bands: int = 40) -> np.ndarray:
    """librosa.filters.mel(sr=16000, n_fft, n_mels=40) with its defaults: Slaney's mel scale
    (linear to 1 kHz, logarithmic above) and Slaney's area normalisation."""
    step, knee = 200 / 3, 1000.0
    log_step = np.log(6.4) / 27

    def to_mel(hz: np.ndarray) -> np.ndarray:
        return np.where(
            hz < knee, hz / step, knee / step + np.log(np.maximum(hz, knee) / knee) / log_step
        )

    def to_hz(mel: np.ndarray) -> np.ndarray:
        return np.where(
            mel < knee / step, mel * step, knee * np.exp(log_step * (mel - knee / step))
        )

    edges = to_hz(np.linspace(0, to_mel(np.array(SAMPLE_RATE / 2)), bands + 2))
    bins = np.fft.rfftfreq(n_fft, 1 / SAMPLE_RATE)
    widths = np.diff(edges)
    ramps = edges[:, None] - bins[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    bank = np.maximum(0, np.minimum(rising, falling))
    return bank * (2.0 / (edges[2:] - edges[:-2]))[:, None]


class Cancelled(Exception):
    """The job was cancelled while its voices were being embedded."""


def _frames(mel: np.ndarray, span: Window, length: int) -> np.ndarray:
    first = round(span.start_s * FRAMES_PER_S)
    frames = mel[first : first + length]
    if len(frames) < length:  # the end of the recording: pad with silence
        frames = np.pad(frames, ((0, length - len(frames)), (0, 0)))
    return frames


def cluster(
    embeddings: np.ndarray, speakers: int | None = None, max_speakers: int = MAX_SPEAKERS
) -> np.ndarray:
    """A speaker number (from 0) per embedding: Ward's agglomerative clustering (on unit
    vectors, so close to cosine distance) into `speakers` groups when given, otherwise into
    as many as `estimate_speakers` reads from the tree."""
    from scipy.cluster.hierarchy import fcluster, linkage

    count = len(embeddings)
    if count < 2 or speakers == 1:
        return np.zeros(count, dtype=int)
    tree = linkage(embeddings, method="ward")
    if speakers is None:
        speakers = estimate_speakers(tree[:, 2], max_speakers)
    return fcluster(tree, min(speakers, count), criterion="maxclust") - 1


def estimate_speakers(heights: np.ndarray, max_speakers: int = MAX_SPEAKERS) -> int:
    """How many speakers a clustering tree holds, from the heights of its merges: the most
    groups k whose cut leaves a clear gap (the merge that would make k-1 groups SPLIT_GAP
    times higher than the one that made k); one when no gap is that clear. Ratios, not
    heights: Ward's heights grow with the number of windows. The most, not the clearest:
    with men and women, the clearest gap is often between the two sexes."""
    top = np.sort(np.asarray(heights))[::-1][:max_speakers]
    if len(top) < 2 or top[-1] <= 0:
        return 1
    gaps = top[:-1] / np.maximum(top[1:], 1e-9)  # gaps[i]: from i + 1 groups to i + 2
    clear = np.flatnonzero(gaps >= SPLIT_GAP)
    return int(clear[-1]) + 2 if clear.size else 1


def label_words(words: Sequence[Word], spans: Sequence[Window], labels: np.ndarray) -> list[int]:
    """A speaker number per word: the one most of the windows around its middle hold (the
    window nearest in time where none covers it)."""
    centres = np.array([(s.start_s + s.end_s) / 2 for s in spans])
    starts = np.array([s.start_s for s in spans])
    ends = np.array([s.end_s for s in spans])
    found: list[int] = []
    for word in words:
        middle = ((word.start_ms or 0) + (word.end_ms or word.start_ms or 0)) / 2000
        covering = np.flatnonzero((starts <= middle) & (middle <= ends))
        if covering.size:
            votes = np.bincount(labels[covering])
            leaders = np.flatnonzero(votes == votes.max())
            if leaders.size == 1:
                found.append(int(leaders[0]))
                continue
            covering = covering[np.isin(labels[covering], leaders)]
        else:
            covering = np.arange(len(spans))
        found.append(int(labels[covering[np.argmin(np.abs(centres[covering] - middle))]]))
    return found


def speaker_letters(numbers: Sequence[int]) -> list[str]:
    """ "A", "B", ... in order of first appearance (as AssemblyAI names speakers)."""
    letters: dict[int, str] = {}
    for number in numbers:
        letters.setdefault(number, string.ascii_uppercase[len(letters)])
    return [letters[n] for n in numbers]


def utterances(words: Sequence[Word]) -> list[Utterance]:
    """A new utterance wherever the speaker changes."""
    found: list[Utterance] = []
    run: list[Word] = []
    for word in [*words, None]:
        if run and (word is None or word.speaker != run[0].speaker):
            found.append(
                Utterance(
                    speaker=run[0].speaker or "A",
                    text=" ".join(w.text for w in run),
                    start_ms=run[0].start_ms,
                    end_ms=run[-1].end_ms,
                )
            )
            run = []
        if word is not None:
            run.append(word)
    return found


def diarize(
    audio: np.ndarray,
    words: Sequence[Word],
    *,
    speakers: int | None = None,
    is_cancelled: Callable[[], bool] = lambda: False,
) -> tuple[list[Word], list[Utterance]]:
    """`words` with their speakers, and the utterances they form."""
    mel = mel_frames(_at_encoder_level(audio))
    spans = windows(split_at_pauses(speech_stretches(words), quiet_frames(mel)))
    if not spans or not words:
        named = [replace(w, speaker="A") for w in words]
        return named, utterances(named)
    embeddings = embed_frames(mel, spans, is_cancelled)
    labels = speaker_numbers(embeddings, np.array([s.full for s in spans]), speakers)
    numbers = label_words(words, spans, labels)
    named = [
        replace(word, speaker=letter)
        for word, letter in zip(words, speaker_letters(numbers), strict=True)
    ]
    log.info(
        "diarization: %d windows, %d speakers%s",
        len(spans),
        len(set(numbers)),
        "" if speakers is None else f" (expected {speakers})",
    )
    return named, utterances(named)


def speaker_numbers(
    embeddings: np.ndarray,
    full: np.ndarray,
    speakers: int | None = None,
    max_clustered: int = MAX_CLUSTERED,
) -> np.ndarray:
    """A speaker number per window. Clustered on the full-length windows where there are
    enough (short ones are noisier), at most `max_clustered` of them spread over the
    recording; every other window joins the speaker whose centre is nearest."""
    chosen = np.flatnonzero(full)
    if len(chosen) < max(2, (speakers or 1) * 2):
        chosen = np.arange(len(embeddings))
    if len(chosen) > max_clustered:
        chosen = chosen[np.linspace(0, len(chosen) - 1, max_clustered).round().astype(int)]
    labels = np.zeros(len(embeddings), dtype=int)
    labels[chosen] = cluster(embeddings[chosen], speakers)
    rest = np.setdiff1d(np.arange(len(embeddings)), chosen)
    if rest.size:
        labels[rest] = _nearest_speaker(embeddings[rest], embeddings[chosen], labels[chosen])
    return labels


def _nearest_speaker(
    embeddings: np.ndarray, clustered: np.ndarray, labels: np.ndarray
) -> np.ndarray:
    centroids = np.stack([clustered[labels == k].mean(axis=0) for k in np.unique(labels)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    return np.unique(labels)[np.argmax(embeddings @ centroids.T, axis=1)]


def _timed(words: Sequence[Word]) -> list[Word]:
    return [w for w in words if w.start_ms is not None]


def warm_up() -> None:
    """Load the voice encoder and run it once (the first run also loads librosa's parts,
    seconds more), so that the first dialogue job waits for neither."""
    hiss = np.random.default_rng(0).normal(scale=0.01, size=SAMPLE_RATE * 2)
    embed(hiss.astype(np.float32), [Window(0.0, WINDOW_S)])

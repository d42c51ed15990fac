"""Offline engine benchmark: the project's whole job beside bare faster-whisper, on this machine.

A 60-second English clip (espeak-ng) is transcribed by a real worker process
(TRANSCRIPTION_BACKEND=local; LOCAL_MODEL's model: by default the bundled multilingual
base, LOCAL_MODEL=tiny.en for the English one; int8 on the CPU, LOCAL_CPU_THREADS threads)
and, in alternate rounds of the same run, by bare sequential faster-whisper in this process
(`WhisperModel.transcribe` with the same model files, threads, language, word timestamps and
VAD). The job's time is its own started/completed times: reading the upload from storage
into a file, decoding, VAD, recognition, the transcript document, storage and database
writes. Prints each side's real-time factor (seconds of work per second of audio), per round
and their medians, the job's time as a multiple of bare faster-whisper's (target: 1.0x or
less), and the worker's RSS idle (with its model loaded) and at its peak.

Then, when the engine does diarization (the `diarization` extra), a 60-second dialogue of
two espeak-ng voices taking turns is transcribed by the same worker as a `mono` job and as a
`dialogue` job in alternate rounds: diarization's extra time as a share of the dialogue job,
and the number of speakers it found.

    .venv/bin/python bench/local_engine.py [--seconds 60] [--rounds 5]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import argparse
import asyncio
import json
import logging
import os
import resource
import statistics
import subprocess
import tempfile
import time
import wave

import av
import numpy as np
import psycopg
from tests.helpers import speech

from bench.common import insert_upload_job, insert_user, migrated_database, rss_mib

DIALOGUE_VOICES = ("en+m3", "en+f2")


def cpu_s(pid: int | None = None) -> float:
    """CPU seconds (user and system) used so far by a process (None: this one): steadier than
    wall time on a shared machine, where other work takes the cores in bursts."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def duration_s(path: Path) -> float:
    with av.open(str(path)) as container:
        return container.duration / 1_000_000


def clip(seconds: float, folder: Path) -> Path:
    """Speech of about `seconds`, without repetition."""
    sentences = max(1, round(seconds / 3.9))  # espeak at 150 wpm: about 3.9 s a sentence
    return speech.speak(speech.varied_text(sentences, seed=11), folder / "clip.wav")


def dialogue(seconds: float, folder: Path) -> Path:
    """Two voices taking turns of two sentences, half a second apart, for about `seconds`."""
    parts: list[np.ndarray] = []
    rate, total, turn = 22050, 0.0, 0
    while total < seconds:
        voice = DIALOGUE_VOICES[turn % 2]
        wav = speech.speak(
            speech.varied_text(2, seed=100 + turn), folder / f"turn{turn}.wav", voice=voice
        )
        with wave.open(str(wav)) as said:
            rate = said.getframerate()
            samples = np.frombuffer(said.readframes(said.getnframes()), dtype=np.int16)
        parts += [samples, np.zeros(rate // 2, dtype=np.int16)]
        total += len(samples) / rate + 0.5
        turn += 1
    out = folder / "dialogue.wav"
    with wave.open(str(out), "wb") as sink:
        sink.setnchannels(1)
        sink.setsampwidth(2)
        sink.setframerate(rate)
        sink.writeframes(np.concatenate(parts).tobytes())
    return out


class Worker:
    """A real worker process, and jobs put to it the way POST /jobs does (rows, then defer)."""

    def __init__(self, database_url: str, storage_dir: Path) -> None:
        self.database_url = database_url
        self.storage_dir = storage_dir
        with psycopg.connect(database_url, autocommit=True) as conn:
            self.user_id = insert_user(conn)
        # This tree's package, whichever one the environment has installed.
        env = {**os.environ, "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT / "src")}
        self.log = (Path(tempfile.mkdtemp()) / "worker.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "transcribe", "worker"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> float:
        """Its RSS once it has loaded the model (and the voice encoder) as it starts: when
        the RSS has not moved for 3 s."""
        readings = [rss_mib(self.process.pid)]
        for _ in range(240):
            time.sleep(0.5)
            readings.append(rss_mib(self.process.pid))
            if readings[-1] > 100 and max(readings[-7:]) - min(readings[-7:]) < 1:
                break
        return readings[-1]

    def peak_rss(self) -> float:
        return rss_mib(self.process.pid, "VmHWM")

    async def transcribe(self, queue, wav: Path, mode: str) -> tuple[float, float, dict]:
        """Seconds from the job's start to its completion, the worker's CPU seconds meanwhile
        (from the defer: the claim's few milliseconds too), and the transcript document."""
        from transcribe.domain.jobs.queueing import defer_submit

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            job_id = await insert_upload_job(
                conn, self.user_id, wav.read_bytes(), wav.name, "audio/wav", mode
            )
        cpu_before = cpu_s(self.process.pid)
        await defer_submit(queue, job_id)
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while True:
                row = conn.execute(
                    "SELECT status, extract(epoch FROM completed_at - started_at), "
                    "result_object_key FROM transcription_jobs WHERE id = %s",
                    (job_id,),
                ).fetchone()
                if row[0] in ("completed", "failed", "cancelled"):
                    break
                time.sleep(0.1)
        cpu = cpu_s(self.process.pid) - cpu_before
        if row[0] != "completed":
            raise RuntimeError(f"the benchmark job ended {row[0]}; see {self.log.name}")
        document = json.loads((self.storage_dir / row[2]).read_bytes())
        return float(row[1]), cpu, document

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


def bare_whisper():
    """Bare sequential faster-whisper with the worker's model files and threads."""
    from faster_whisper import WhisperModel

    from transcribe.engines.local import LocalEngine
    from transcribe.settings import get_settings

    config = get_settings().transcription
    engine = LocalEngine(config.local_model, download_dir=str(config.local_model_dir))
    model = WhisperModel(
        engine._model_path(),
        device="cpu",
        compute_type="int8",
        cpu_threads=config.local_cpu_threads,
    )

    def transcribe(wav: Path) -> tuple[float, float]:
        started, cpu_before = time.perf_counter(), cpu_s()
        segments, _ = model.transcribe(
            str(wav), language="en", word_timestamps=True, vad_filter=True
        )
        for _ in segments:  # decoded lazily, as the engine reads them
            pass
        return time.perf_counter() - started, cpu_s() - cpu_before

    return transcribe


def diarization_on() -> bool:
    """What GET /engine reports as `diarization`, from the same engine the worker builds."""
    from transcribe.engines import get_engine
    from transcribe.settings import get_settings

    return bool(get_engine(get_settings()).diarization)


async def run(args, database_url: str, storage_dir: Path) -> dict:
    from transcribe.queue import build_queue
    from transcribe.settings import get_settings

    mono = clip(args.seconds, storage_dir)
    talk = dialogue(args.seconds, storage_dir)
    found: dict = {"mono_s": duration_s(mono), "dialogue_s": duration_s(talk)}
    bare = bare_whisper()
    bare(mono)  # warm: the job's worker has its model loaded and used before timing too
    worker = Worker(database_url, storage_dir)
    queue = build_queue(get_settings(), for_worker=False)
    try:
        found["idle"] = worker.wait_ready()
        async with queue.open_async():
            await worker.transcribe(queue, mono, "mono")  # warm, as above
            for name in ("job", "job_cpu", "bare", "bare_cpu"):
                found[name] = []
            for _ in range(args.rounds):
                took, cpu, _ = await worker.transcribe(queue, mono, "mono")
                found["job"].append(took)
                found["job_cpu"].append(cpu)
                took, cpu = bare(mono)
                found["bare"].append(took)
                found["bare_cpu"].append(cpu)
            found["peak_mono"] = worker.peak_rss()
            found["diarization"] = diarization_on()
            if found["diarization"]:
                for name in ("talk_mono", "talk_mono_cpu", "talk_dialogue", "talk_dialogue_cpu"):
                    found[name] = []
                found["speakers"] = []
                for _ in range(args.rounds):
                    took, cpu, _ = await worker.transcribe(queue, talk, "mono")
                    found["talk_mono"].append(took)
                    found["talk_mono_cpu"].append(cpu)
                    took, cpu, document = await worker.transcribe(queue, talk, "dialogue")
                    found["talk_dialogue"].append(took)
                    found["talk_dialogue_cpu"].append(cpu)
                    found["speakers"].append(len({u["speaker"] for u in document["utterances"]}))
                found["peak_dialogue"] = worker.peak_rss()
    finally:
        worker.stop()
    return found


def report(args, found: dict) -> None:
    from transcribe.engines.local import model_label
    from transcribe.settings import get_settings

    config = get_settings().transcription
    audio = found["mono_s"]
    job, bare = found["job"], found["bare"]
    median = statistics.median
    print(
        f"a {audio:.0f} s clip, {model_label(config.local_model)} int8, "
        f"LOCAL_CPU_THREADS={config.local_cpu_threads} on {os.cpu_count()} cores, "
        f"{args.rounds} rounds (job and bare alternating)"
    )
    print("job RTF per round:  " + ", ".join(f"{t / audio:.3f}" for t in job))
    print("bare RTF per round: " + ", ".join(f"{t / audio:.3f}" for t in bare))
    print(
        f"median real-time factor: job {median(job) / audio:.3f} ({median(job):.1f} s), "
        f"bare sequential faster-whisper {median(bare) / audio:.3f} ({median(bare):.1f} s)"
    )
    ratios = [j / b for j, b in zip(job, bare, strict=True)]
    print(
        f"job / bare: {median(job) / median(bare):.2f}x (medians); per round "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + f"; median of rounds {median(ratios):.2f}x (target <= 1.0x)"
    )
    job_cpu, bare_cpu = median(found["job_cpu"]), median(found["bare_cpu"])
    print(
        f"median CPU seconds: job {job_cpu:.1f}, bare {bare_cpu:.1f}: "
        f"{job_cpu / bare_cpu:.2f}x (per round: job "
        + ", ".join(f"{c:.1f}" for c in found["job_cpu"])
        + "; bare "
        + ", ".join(f"{c:.1f}" for c in found["bare_cpu"])
        + ")"
    )
    print(
        f"worker RSS: idle with the model {found['idle']:.0f} MiB, "
        f"peak after the mono jobs {found['peak_mono']:.0f} MiB"
    )
    if not found["diarization"]:
        print(
            "dialogue with diarization: skipped, the engine says diarization=off "
            "(install the diarization extra: see the README's Transcription engines)"
        )
        return
    talk = found["dialogue_s"]
    plain, diarized = found["talk_mono"], found["talk_dialogue"]
    extra = (median(diarized) - median(plain)) / median(diarized)
    print(
        f"a {talk:.0f} s dialogue of {' and '.join(DIALOGUE_VOICES)}: mono job RTF "
        f"{median(plain) / talk:.3f}, dialogue job RTF {median(diarized) / talk:.3f} "
        f"(rounds: " + ", ".join(f"{t / talk:.3f}" for t in diarized) + ")"
    )
    plain_cpu, diarized_cpu = median(found["talk_mono_cpu"]), median(found["talk_dialogue_cpu"])
    print(
        f"diarization's extra time: {median(diarized) - median(plain):.1f} s, "
        f"{100 * extra:.0f}% of the dialogue job; extra CPU "
        f"{diarized_cpu - plain_cpu:.1f} s of {diarized_cpu:.1f} s, "
        f"{100 * (diarized_cpu - plain_cpu) / diarized_cpu:.0f}%; speakers found per round: "
        + ", ".join(str(n) for n in found["speakers"])
    )
    print(f"worker RSS peak after the dialogue jobs {found['peak_dialogue']:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    with (
        migrated_database() as url,
        tempfile.TemporaryDirectory() as storage_dir,
    ):
        os.environ.update(
            DATABASE_URL=url,
            ENVIRONMENT="test",
            STORAGE_BACKEND="local",
            LOCAL_STORAGE_DIR=storage_dir,
            ENV_FILE="/nonexistent",
            TRANSCRIPTION_BACKEND="local",
        )
        found = asyncio.run(run(args, url, Path(storage_dir)))
    report(args, found)


if __name__ == "__main__":
    main()

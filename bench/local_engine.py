"""Offline engine benchmark: real-time factor and a worker's memory, on this machine.

A 60-second English clip (espeak-ng) is transcribed `--rounds` times by a real worker
process (TRANSCRIPTION_BACKEND=local, LOCAL_MODEL's model: by default the bundled
multilingual base; LOCAL_MODEL=tiny.en for the English one; int8 on the CPU), one job
at a time. Prints the real-time factor (processing seconds per audio second, from the
job's own started/completed times) per round and its median, and the worker's RSS idle
(the baseline) beside its peak while transcribing.

    .venv/bin/python bench/local_engine.py [--seconds 60] [--rounds 3]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import tempfile
import time
import uuid

import av
import psycopg
from tests.helpers import speech
from tests.helpers.database import fresh_database

from bench.common import rss_mib


def clip(seconds: float, folder: Path) -> tuple[Path, float]:
    """Speech of about `seconds`, without repetition; returns the file and its duration."""
    sentences = max(1, round(seconds / 3.9))  # espeak at 150 wpm: about 3.9 s a sentence
    wav = speech.speak(speech.varied_text(sentences, seed=11), folder / "clip.wav")
    with av.open(str(wav)) as container:
        return wav, container.duration / 1_000_000


async def run(database_url: str, wav: Path, rounds: int) -> tuple[list[float], float, float]:
    from transcribe.domain.jobs.queueing import defer_submit
    from transcribe.queue import build_queue
    from transcribe.settings import get_settings
    from transcribe.storage import get_storage

    storage = get_storage(get_settings())
    user_id = uuid.uuid4()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, email, password_hash, created_at, updated_at) "
            "VALUES (%s, %s, 'x', now(), now())",
            (user_id, f"bench-{user_id}@example.com"),
        )
    env = {**os.environ, "TRANSCRIPTION_BACKEND": "local", "LOG_LEVEL": "WARNING"}
    log = (Path(tempfile.mkdtemp()) / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "transcribe", "worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    queue = build_queue(get_settings(), for_worker=False)
    factors, peak = [], 0.0
    try:
        time.sleep(5)
        idle = rss_mib(worker.pid)
        async with queue.open_async():
            for _ in range(rounds):
                key = f"uploads/{user_id}/{uuid.uuid4()}/clip.wav"
                await storage.put_bytes(key, wav.read_bytes())
                with psycopg.connect(database_url, autocommit=True) as conn:
                    conn.execute(
                        "INSERT INTO uploads (id, user_id, object_key, filename, size, "
                        "content_type, status, created_at, updated_at) VALUES "
                        "(gen_random_uuid(), %s, %s, 'clip.wav', %s, 'audio/wav', 'uploaded', "
                        "now(), now())",
                        (user_id, key, wav.stat().st_size),
                    )
                    job_id = conn.execute(
                        "INSERT INTO transcription_jobs (id, user_id, status, language, mode, "
                        "source_object_key, filename, created_at, updated_at) VALUES "
                        "(gen_random_uuid(), %s, 'pending', 'en', 'mono', %s, 'clip.wav', "
                        "now(), now()) RETURNING id",
                        (user_id, key),
                    ).fetchone()[0]
                await defer_submit(queue, job_id)
                with psycopg.connect(database_url, autocommit=True) as conn:
                    while True:
                        peak = max(peak, rss_mib(worker.pid))
                        row = conn.execute(
                            "SELECT status, extract(epoch FROM completed_at - started_at), "
                            "audio_duration_s FROM transcription_jobs WHERE id = %s",
                            (job_id,),
                        ).fetchone()
                        if row[0] in ("completed", "failed"):
                            break
                        time.sleep(0.2)
                if row[0] != "completed":
                    raise RuntimeError(f"the benchmark job failed; see {log.name}")
                factors.append(float(row[1]) / float(row[2]))
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        log.close()
    return factors, idle, peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    with (
        fresh_database("transcribe_bench") as url,
        tempfile.TemporaryDirectory() as storage_dir,
    ):
        os.environ.update(
            DATABASE_URL=url,
            ENVIRONMENT="test",
            STORAGE_BACKEND="local",
            LOCAL_STORAGE_DIR=storage_dir,
            ENV_FILE="/nonexistent",
        )
        from transcribe.db.migrate import upgrade
        from transcribe.settings import DatabaseSettings

        upgrade(DatabaseSettings(url=url).sync_url)
        wav, duration = clip(args.seconds, Path(storage_dir))
        factors, idle, peak = asyncio.run(run(url, wav, args.rounds))
    from transcribe.engines.local import model_label

    model = model_label(os.environ.get("LOCAL_MODEL", "").strip())
    print(f"a {duration:.0f} s clip, {model} int8 on {os.cpu_count()} cores, {args.rounds} rounds")
    print("real-time factor per round: " + ", ".join(f"{f:.3f}" for f in factors))
    print(
        f"median real-time factor {statistics.median(factors):.3f} "
        f"({duration * statistics.median(factors):.1f} s for {duration:.0f} s of audio)"
    )
    print(f"worker RSS: idle {idle:.0f} MiB, peak while transcribing {peak:.0f} MiB")


if __name__ == "__main__":
    main()

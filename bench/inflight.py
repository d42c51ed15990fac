"""In-flight benchmark: how many transcripts one worker keeps at the provider at once.

One `procrastinate worker` at WORKER_CONCURRENCY=8 (the old design's ceiling: one slot
held per transcript), the fake AssemblyAI on loopback holding every transcript for
`--hold` seconds, `--jobs` jobs deferred at once. Two rounds in the same run: status
checks only (polling), then AssemblyAI webhooks to a real API with the long fallback check.

    .venv/bin/python bench/inflight.py [--jobs 1000] [--hold 60]

Prints, per round: the largest number of transcripts in flight at the provider at once
(beside the 8 the old design allowed), the worker's peak RSS, the peak of PostgreSQL
connections to its database, status requests per in-flight job per minute, and
how long the round took.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import argparse
import asyncio
import dataclasses
import logging
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from tests.helpers.fake_assemblyai import FakeAssemblyAI, run_fake_assemblyai
from tests.helpers.server import free_port, serve

from bench.common import insert_upload_job, insert_user, migrated_database, rss_mib

CONCURRENCY = 8
WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105 - a throwaway for loopback


async def make_jobs(database_url: str, count: int) -> list[str]:
    """Job rows as the API makes them, each with a small stored audio file."""
    with psycopg.connect(database_url) as conn:
        user_id = insert_user(conn)
        return [
            await insert_upload_job(
                conn, user_id, f"benchmark audio number {i}".encode(), "talk.wav", "audio/wav"
            )
            for i in range(count)
        ]


@contextmanager
def api_for_webhooks(fake: FakeAssemblyAI) -> Iterator[str]:
    """The real API, receiving the fake provider's webhooks."""
    from transcribe.app import create_app
    from transcribe.settings import get_settings

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = get_settings()
    settings = dataclasses.replace(
        settings,
        public_base_url=url,
        transcription=dataclasses.replace(
            settings.transcription,
            backend="assemblyai",
            assemblyai_api_key=fake.api_key,
            assemblyai_base_url=fake.base_url,
            assemblyai_webhook_secret=WEBHOOK_SECRET,
        ),
    )
    with serve(create_app(settings), port=port):
        yield url


async def one_round(
    database_url: str, fake: FakeAssemblyAI, jobs: int, hold_s: float, webhook_api: str | None
) -> dict[str, float]:
    from transcribe.domain.jobs.queueing import defer_submit
    from transcribe.queue import build_queue
    from transcribe.settings import get_settings

    fake.complete_after_s = hold_s
    requests_before = fake.requests["GET /v2/transcript/{id}"]
    ids = await make_jobs(database_url, jobs)
    env = {
        **os.environ,
        "WORKER_CONCURRENCY": str(CONCURRENCY),
        "TRANSCRIPTION_BACKEND": "assemblyai",
        "ASSEMBLYAI_API_KEY": fake.api_key,
        "ASSEMBLYAI_BASE_URL": fake.base_url,
        "LOG_LEVEL": "WARNING",
    }
    if webhook_api:
        env |= {"ASSEMBLYAI_WEBHOOK_SECRET": WEBHOOK_SECRET, "PUBLIC_BASE_URL": webhook_api}
    log_path = Path(tempfile.mkdtemp()) / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "transcribe", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    queue = build_queue(get_settings(), for_worker=False)
    peak = {"in_flight": 0.0, "rss": 0.0, "connections": 0.0}
    in_flight_minutes = 0.0
    started = time.monotonic()
    try:
        async with queue.open_async():
            for job_id in ids:
                await defer_submit(queue, job_id)
        with psycopg.connect(database_url, autocommit=True) as conn:
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.5)
                now = time.monotonic()
                in_flight = fake.in_flight()
                in_flight_minutes += in_flight * (now - last) / 60
                last = now
                connections = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                ).fetchone()
                peak["in_flight"] = max(peak["in_flight"], in_flight)
                peak["rss"] = max(peak["rss"], rss_mib(worker.pid))
                peak["connections"] = max(peak["connections"], connections[0])
                done = conn.execute(
                    "SELECT count(*) FROM transcription_jobs WHERE id = ANY(%s::uuid[]) "
                    "AND status IN ('completed', 'failed')",
                    (ids,),
                ).fetchone()[0]
                if done == len(ids):
                    break
                if now - started > hold_s * 5 + 120:
                    raise TimeoutError(f"only {done} of {len(ids)} jobs finished; see {log_path}")
            failed = conn.execute(
                "SELECT count(*) FROM transcription_jobs WHERE id = ANY(%s::uuid[]) "
                "AND status <> 'completed'",
                (ids,),
            ).fetchone()[0]
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    status_requests = fake.requests["GET /v2/transcript/{id}"] - requests_before
    return {
        **peak,
        "per_job_minute": status_requests / in_flight_minutes if in_flight_minutes else 0.0,
        "status_requests": status_requests,
        "seconds": time.monotonic() - started,
        "failed": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--hold", type=float, default=60.0)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # this process defers a thousand jobs: no line for each
    with (
        migrated_database() as url,
        tempfile.TemporaryDirectory() as storage_dir,
        run_fake_assemblyai() as fake,
    ):
        os.environ.update(
            DATABASE_URL=url,
            ENVIRONMENT="test",
            STORAGE_BACKEND="local",
            LOCAL_STORAGE_DIR=storage_dir,
            TRANSCRIPTION_BACKEND="stub",
            ENV_FILE="/nonexistent",
            LOG_LEVEL="WARNING",
        )
        os.environ.pop("ASSEMBLYAI_API_KEY", None)
        results = {"checks only": asyncio.run(one_round(url, fake, args.jobs, args.hold, None))}
        with api_for_webhooks(fake) as api:
            results["webhooks"] = asyncio.run(one_round(url, fake, args.jobs, args.hold, api))

    print(
        f"one worker at WORKER_CONCURRENCY={CONCURRENCY}; {args.jobs} jobs deferred at once; "
        f"the provider holds each transcript {args.hold:g} s"
    )
    print(
        f"{'round':<13}{'peak in flight':>15}{'x old ceiling':>14}{'worker RSS':>12}"
        f"{'PG conns':>10}{'checks/job/min':>16}{'seconds':>9}{'failed':>8}"
    )
    for name, r in results.items():
        print(
            f"{name:<13}{r['in_flight']:>15.0f}{r['in_flight'] / CONCURRENCY:>14.0f}"
            f"{r['rss']:>9.0f} MiB{r['connections']:>10.0f}{r['per_job_minute']:>16.2f}"
            f"{r['seconds']:>9.0f}{r['failed']:>8.0f}"
        )
    print(
        "old ceiling: one worker slot per transcript at the provider, so at most "
        f"{CONCURRENCY} in flight; PG conns: every connection to the benchmark database "
        "(worker pools, this script, the API in the webhook round)"
    )


if __name__ == "__main__":
    main()

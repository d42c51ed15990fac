"""Queue benchmark: defer-to-start latency and throughput of one worker.

Measures, in one run against a throwaway database:
- procrastinate's bare no-op task (the floor),
- our `transcribe_job` (the submit task) with the stub engine on local storage (real rows,
  a real file): the stub finishes inside it.

    .venv/bin/python bench/queue.py [--jobs 300] [--latency-samples 100]

Prints p50/p99 defer-to-start latency (jobs deferred one at a time into an idle worker)
and jobs/s (a batch deferred at once, timed until the last one finishes).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This folder holds queue.py, which must not shadow the standard library's `queue`.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]


import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable

import psycopg

from bench.common import insert_upload_job, insert_user, migrated_database


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def wait_until(predicate: Callable[[], bool], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step did not finish")
        time.sleep(0.01)


async def make_stub_jobs(database_url: str, count: int) -> list[str]:
    """A user's uploads and pending jobs, as the API would leave them, for the stub engine."""
    with psycopg.connect(database_url) as conn:
        user_id = insert_user(conn)
        return [
            await insert_upload_job(
                conn, user_id, f"benchmark transcript number {i}".encode(), "talk.txt", "text/plain"
            )
            for i in range(count)
        ]


LATENCY = """
    SELECT extract(epoch FROM s.at - d.at)
    FROM procrastinate_jobs j
    JOIN procrastinate_events d ON d.job_id = j.id AND d.type = 'deferred'
    JOIN procrastinate_events s ON s.job_id = j.id AND s.type = 'started'
    WHERE j.id = ANY(%s)
"""


def finished(conn: psycopg.Connection, ids: list[int]) -> int:
    return conn.execute(
        "SELECT count(*) FROM procrastinate_jobs WHERE id = ANY(%s) AND status IN ('succeeded', 'failed')",
        (ids,),
    ).fetchone()[0]


async def measure(
    conn: psycopg.Connection, defer: Callable[[], Awaitable[int]], count: int, samples: int
) -> tuple[list[float], float]:
    """Latency over `samples` jobs deferred one by one; jobs/s over `count` deferred at once."""
    one_by_one = []
    for _ in range(samples):
        one_by_one.append(await defer())
        wait_until(lambda: finished(conn, one_by_one[-1:]) == 1)
    latency = [float(r[0]) for r in conn.execute(LATENCY, (one_by_one,))]
    start = time.perf_counter()
    batch = [await defer() for _ in range(count)]
    wait_until(lambda: finished(conn, batch) == count)
    return latency, count / (time.perf_counter() - start)


async def run(jobs: int, samples: int) -> None:
    from transcribe.domain.jobs.queueing import defer_submit
    from transcribe.queue import build_queue
    from transcribe.settings import get_settings

    queue = build_queue(get_settings(), for_worker=False)
    db = os.environ["DATABASE_URL"]
    worker_log = Path(tempfile.mkdtemp()) / "worker.log"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}", "LOG_LEVEL": "WARNING"}
    with worker_log.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "procrastinate", "--app=bench.queue_app.app", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    try:
        async with queue.open_async():
            with psycopg.connect(db, autocommit=True) as conn:
                noop = queue.configure_task("bench_noop")
                await measure(conn, noop.defer_async, 5, 5)  # warm-up
                noop_latency, noop_rate = await measure(conn, noop.defer_async, jobs, samples)

                pending = iter(await make_stub_jobs(db, samples + jobs))

                async def defer_stub() -> int:
                    return await defer_submit(queue, next(pending))

                stub_latency, stub_rate = await measure(conn, defer_stub, jobs, samples)
                failed = conn.execute(
                    "SELECT count(*) FROM transcription_jobs WHERE status <> 'completed'"
                ).fetchone()[0]
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    def ms(values: list[float], q: float) -> str:
        return f"{percentile(values, q) * 1000:.1f} ms"

    print(
        f"one worker, concurrency {get_settings().worker.concurrency}; "
        f"{samples} jobs one by one for latency, {jobs} at once for throughput"
    )
    print(f"{'task':<26}{'p50 defer->start':>18}{'p99 defer->start':>18}{'jobs/s':>10}")
    for name, latency, rate in (
        ("procrastinate no-op", noop_latency, noop_rate),
        ("transcribe_job (stub)", stub_latency, stub_rate),
    ):
        print(f"{name:<26}{ms(latency, 0.5):>18}{ms(latency, 0.99):>18}{rate:>10.1f}")
    print(f"stub jobs not completed: {failed}; worker log: {worker_log}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--latency-samples", type=int, default=100)
    args = parser.parse_args()
    with migrated_database() as url, tempfile.TemporaryDirectory() as storage_dir:
        os.environ.update(
            DATABASE_URL=url,
            ENVIRONMENT="test",
            STORAGE_BACKEND="local",
            LOCAL_STORAGE_DIR=storage_dir,
            TRANSCRIPTION_BACKEND="stub",
            ENV_FILE="/nonexistent",
        )
        os.environ.pop("ASSEMBLYAI_API_KEY", None)
        asyncio.run(run(args.jobs, args.latency_samples))


if __name__ == "__main__":
    main()

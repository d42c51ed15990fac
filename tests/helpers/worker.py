"""Run real `python -m transcribe worker` processes against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.helpers.processes import stop_process

# Fast heartbeats and recovery so that crash tests take seconds, not minutes.
FAST_RECOVERY_ENV = {
    "WORKER_HEARTBEAT_S": "0.5",
    "WORKER_STALLED_AFTER_S": "3",
    "RECOVERY_CRON": "* * * * * */1",
    "HOUSEKEEPING_CRON": "* * * * * */1",
    "JOB_RETRY_BASE_S": "1",
    "WORKER_SHUTDOWN_GRACEFUL_TIMEOUT_S": "5",
}


def worker_env(database_url: str, **overrides: str) -> dict[str, str]:
    """A service process's whole environment: this one's, fast recovery, the test database
    and `overrides` (such as the `worker_env` fixture's, which holds only what a module adds)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(FAST_RECOVERY_ENV)
    env["DATABASE_URL"] = database_url
    env.update(overrides)
    return env


def _registered_workers(database_url: str) -> set[int]:
    with psycopg.connect(database_url) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM procrastinate_workers")}


@contextmanager
def running_worker(
    database_url: str, log_path: Path, **env_overrides: str
) -> Iterator[subprocess.Popen]:
    """Start a worker process and wait until it has registered itself; stop it after."""
    before = _registered_workers(database_url)
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "transcribe", "worker"],
        env=worker_env(database_url, **env_overrides),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while not (_registered_workers(database_url) - before):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"worker did not start; see {log_path}:\n{log_path.read_text()[-3000:]}"
                )
            time.sleep(0.1)
        yield process
    finally:
        stop_process(process, timeout=20)
        log.close()


@dataclass(frozen=True)
class Worker:
    """A running worker process and the file its output goes to."""

    process: subprocess.Popen
    log_path: Path

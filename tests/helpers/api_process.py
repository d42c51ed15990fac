"""Run real `python -m transcribe serve` processes (several API processes behind one
database, as a balancer would see them)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.helpers.processes import stop_process


@contextmanager
def running_api(
    database_url: str, log_path: Path, port: int, **env_overrides: str
) -> Iterator[subprocess.Popen]:
    """An API process on 127.0.0.1:`port`, answering /health before this yields; stopped
    gracefully (SIGTERM) after, unless the test killed it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "LOG_FORMAT": "json",
        }
    )
    env.update(env_overrides)
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "transcribe", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the API did not start; see {log_path}:\n{log_path.read_text()[-3000:]}"
                )
            time.sleep(0.1)
        yield process
    finally:
        stop_process(process, timeout=30)
        log.close()

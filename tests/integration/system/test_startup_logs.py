"""What `python -m transcribe run` (`just serve`) prints as it starts: one log format from
every process, the missing JWT_SECRET warned about once, and the engine named."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers.server import free_port
from tests.helpers.worker import worker_env

ROOT = Path(__file__).resolve().parents[3]


def test_a_development_start_logs_json_only_with_each_warning_once(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = worker_env(database_url, PORT=str(port), HOST="127.0.0.1", LOG_LEVEL="INFO")
    env.pop("JWT_SECRET", None)
    env.pop("PASSWORD_HASH_COST", None)  # the suite's minimal cost is refused in development
    env.update(ENVIRONMENT="development", LOG_FORMAT="json")
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "transcribe", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            while '"logger":"procrastinate.worker' not in log_path.read_text():  # the worker
                assert process.poll() is None, log_path.read_text()[-3000:]
                assert time.monotonic() < deadline, log_path.read_text()[-3000:]
                time.sleep(0.2)
            while True:  # the API too
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()[-3000:]
                time.sleep(0.2)
            time.sleep(1)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    records = []
    for line in lines[:-1] if lines and lines[-1].startswith("transcribe run:") else lines:
        try:  # every line a JSON object: no plain ones among them
            records.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not a JSON log line: {line!r}") from None
    events = [record.get("event", "") for record in records]
    assert events.count("JWT_SECRET is not set: using a development-only key") == 1
    assert sum(1 for event in events if event.startswith("transcription engine=")) >= 1

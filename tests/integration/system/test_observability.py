"""Logs and metrics, observed from outside: a real `python -m transcribe serve` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import free_port


@pytest.fixture(scope="module")
def served_process(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("api") / "api.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "transcribe", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            yield base, log_path
        finally:
            process.terminate()
            process.wait(timeout=20)


def _log_lines(path: Path) -> list[dict]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line must be JSON


def test_logs_are_json_with_request_and_user_ids_and_no_secrets(
    served_process: tuple[str, Path],
) -> None:
    base, log_path = served_process
    password = "hunter2-but-longer"
    email = f"log-{time.time_ns()}@example.com"
    with httpx.Client(base_url=base) as http:
        assert (
            http.post("/auth/register", json={"email": email, "password": password}).status_code
            == 201
        )
        token = http.post("/auth/login", json={"email": email, "password": password}).json()[
            "access_token"
        ]
        me = http.get(
            "/auth/me", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "trace-me-1"}
        )
        assert me.status_code == 200
        http.get("/files/download/some/key?expires=1&signature=SIGNATURE-VALUE-123")
    time.sleep(0.3)
    text = log_path.read_text()
    records = _log_lines(log_path)
    requests = [r for r in records if r.get("event") == "request"]
    me_line = next(r for r in requests if r.get("request_id") == "trace-me-1")
    user_id = me.json()["id"]
    assert (
        me_line["path"] == "/auth/me" and me_line["status"] == 200 and me_line["user_id"] == user_id
    )
    assert all("request_id" in r for r in requests)
    for secret in (password, token, "SIGNATURE-VALUE-123"):
        assert secret not in text


def test_metrics_expose_request_latency_and_job_gauges(served_process: tuple[str, Path]) -> None:
    base, _ = served_process
    httpx.get(f"{base}/health")
    response = httpx.get(f"{base}/metrics")
    assert response.status_code == 200
    body = response.text
    assert "transcribe_request_duration_seconds_bucket" in body and 'path="/health"' in body
    assert 'transcribe_jobs{status="pending"}' in body

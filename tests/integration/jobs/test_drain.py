"""Workers woken from outside: `drain` runs what is due and exits; `drain-server` does it on
every POST (a timer trigger's call). No long-running worker is started in this module."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg

from tests.helpers.accounts import signed_in_user
from tests.helpers.server import free_port
from tests.helpers.uploads import upload_file
from tests.helpers.worker import worker_env


async def _pending_jobs(client: httpx.AsyncClient, count: int) -> tuple[object, list[str]]:
    user = await signed_in_user(client)
    ids = []
    for n in range(count):
        key = await upload_file(client, user, f"Drained job number {n}.".encode())
        response = await client.post(
            "/jobs",
            json={"object_key": key, "language": "en", "mode": "mono"},
            headers=user.headers,
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return user, ids


async def _statuses(client: httpx.AsyncClient, user, ids: list[str]) -> set[str]:
    return {
        (await client.get(f"/jobs/{job_id}", headers=user.headers)).json()["status"]
        for job_id in ids
    }


def _registered_workers(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()[0]


def _start_drain_server(database_url: str, port: int, log_path: Path) -> subprocess.Popen:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "transcribe", "drain-server"],
            env=worker_env(database_url, PORT=str(port), HOST="127.0.0.1"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def test_drain_runs_what_is_due_and_exits(
    client: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    user, ids = await _pending_jobs(client, 3)
    assert await _statuses(client, user, ids) == {"pending"}
    workers_before = _registered_workers(database_url)
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "transcribe", "drain"],
        env=worker_env(database_url, LOG_LEVEL="INFO"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert await _statuses(client, user, ids) == {"completed"}
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["due_left"] == 0 and report["budget_used_up"] is False
    assert _registered_workers(database_url) == workers_before  # it left the queue tidy


async def test_drain_server_drains_on_each_post(
    client: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    log_path = tmp_path / "drain.log"
    process = _start_drain_server(database_url, port, log_path)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=60) as trigger:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if (await trigger.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                await asyncio.sleep(0.2)

            user, ids = await _pending_jobs(client, 2)
            first = await trigger.post("/")
            assert first.status_code == 200, first.text
            report = first.json()
            assert report["due_left"] == 0 and report["budget_used_up"] is False
            assert await _statuses(client, user, ids) == {"completed"}

            # The process stays up between triggers, and the next call finds new work.
            more_user, more = await _pending_jobs(client, 1)
            assert await _statuses(client, more_user, more) == {"pending"}
            assert (await trigger.post("/")).status_code == 200
            assert await _statuses(client, more_user, more) == {"completed"}
    finally:
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert process.wait(timeout=30) in (0, -signal.SIGTERM), log_path.read_text()

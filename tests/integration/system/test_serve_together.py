"""`just serve` (`python -m transcribe run`): the API and its worker live and die together,
whatever signal arrives, and a dead worker is not hidden."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import free_port
from tests.helpers.worker import worker_env

ROOT = Path(__file__).resolve().parents[3]


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return found
    for child in map(int, children):
        found |= {child} | descendants(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its parent has not looked yet


def command_of(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@contextmanager
def started(command: list[str], database_url: str) -> Iterator[tuple[subprocess.Popen, int]]:
    """The service, once its API answers and its worker runs; yields it and its port."""
    port = free_port()
    env = worker_env(database_url, PORT=str(port), HOST="127.0.0.1", LOG_LEVEL="WARNING")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the service did not start"
            running = " ".join(command_of(pid) for pid in descendants(process.pid) if alive(pid))
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
            except httpx.TransportError:
                healthy = False
            if healthy and "transcribe worker" in running:
                break
            time.sleep(0.2)
        yield process, port
    finally:
        for pid in descendants(process.pid) | {process.pid}:  # leave nothing behind
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        process.wait()


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def stops_everything(process: subprocess.Popen, port: int, children: set[int]) -> int:
    status = process.wait(timeout=60)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [command_of(pid) for pid in children if alive(pid)]
    assert port_is_free(port)
    return status


RUN = [sys.executable, "-m", "transcribe", "run"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_api_and_the_worker(database_url: str, signum: int) -> None:
    with started(RUN, database_url) as (process, port):
        children = descendants(process.pid)
        assert len(children) >= 2
        process.send_signal(signum)
        assert stops_everything(process, port, children) == 0


def test_a_dead_worker_stops_the_service_and_says_so(database_url: str) -> None:
    with started(RUN, database_url) as (process, port):
        children = descendants(process.pid)
        worker = next(pid for pid in children if "transcribe worker" in command_of(pid))
        os.kill(worker, signal.SIGKILL)
        assert stops_everything(process, port, children) == 128 + signal.SIGKILL
        assert "the worker exited with status -9; stopping the rest" in process.stderr.read()


@pytest.mark.skipif(
    shutil.which("just") is None, reason="just is not installed (.ci/run installs it)"
)
def test_just_serve_stopped_by_sigterm_leaves_nothing_running(database_url: str) -> None:
    with started(["just", "serve"], database_url) as (process, port):
        children = descendants(process.pid)
        process.send_signal(signal.SIGTERM)  # what a process manager sends
        stops_everything(process, port, children)

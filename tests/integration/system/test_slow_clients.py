"""Slow clients cannot hold connections: headers that trickle in get 408 and the connection
closes after REQUEST_HEADERS_TIMEOUT_S, however the bytes are paced (the served process:
`python -m transcribe serve`)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import free_port
from tests.helpers.worker import worker_env

TIMEOUT_S = 1.5
TRICKLERS = 50


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("slow") / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "transcribe", "serve"],
            env=worker_env(database_url, PORT=str(port), REQUEST_HEADERS_TIMEOUT_S=str(TIMEOUT_S)),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


async def _trickle(host: str, port: int) -> bytes:
    """Send a request's headers a byte every 0.2 s, listening between bytes; return what the
    server answered before closing (b"" if it never did)."""
    reader, writer = await asyncio.open_connection(host, port)
    request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n"
    answer = b""
    try:
        for byte in request:
            writer.write(bytes([byte]))
            try:
                answer = await asyncio.wait_for(reader.read(4096), timeout=0.2)
            except TimeoutError:
                continue
            break  # the server spoke (or closed): stop sending
    except ConnectionError:
        pass
    writer.close()
    return answer


async def test_trickling_headers_get_408_and_the_connection_back(served: str) -> None:
    host, port = "127.0.0.1", int(served.rsplit(":", 1)[1])
    started = time.monotonic()
    tricklers = [asyncio.create_task(_trickle(host, port)) for _ in range(TRICKLERS)]
    await asyncio.sleep(0.3)
    async with httpx.AsyncClient(base_url=served) as client:  # others are served meanwhile
        assert (await client.get("/health")).status_code == 200
    answers = await asyncio.gather(*tricklers)
    took = time.monotonic() - started
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), answers[:3]
    # All closed at the deadline, long before the 45 s the headers would take to arrive.
    assert took < TIMEOUT_S + 5, took


async def test_prompt_requests_on_a_kept_alive_connection_are_untouched(served: str) -> None:
    async with httpx.AsyncClient(base_url=served) as client:
        for _ in range(3):
            assert (await client.get("/health")).status_code == 200
            await asyncio.sleep(TIMEOUT_S)  # idle between requests longer than the deadline

"""A burst of logins and registrations queues for argon2 instead of taking 64 MiB each at
once: the API's peak memory stays bounded (a real API process, its RSS read from /proc)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.accounts import unique_email
from tests.helpers.api_process import running_api
from tests.helpers.server import free_port

MIB = 1024 * 1024
ARGON2_MIB = 64  # argon2-cffi's default memory cost per hash


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture
def api_process(database_url: str, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A real API process (its memory is what is measured) with two password hashers."""
    port = free_port()
    with running_api(
        database_url,
        tmp_path / "api.log",
        port,
        PASSWORD_HASH_WORKERS="2",
        PASSWORD_HASH_COST="standard",  # the suite's is minimal; this measures production's
    ) as api:
        yield f"http://127.0.0.1:{port}", api.pid


async def test_a_burst_of_logins_and_registrations_stays_within_memory(
    api_process: tuple[str, int],
) -> None:
    url, pid = api_process
    password = "burst-password-123"
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        email = unique_email()
        assert (
            await http.post("/auth/register", json={"email": email, "password": password})
        ).status_code == 201
        before = peak_rss_mib(pid)
        logins = [
            http.post("/auth/login", json={"email": email, "password": password}) for _ in range(24)
        ]
        registrations = [
            http.post("/auth/register", json={"email": unique_email(), "password": password})
            for _ in range(16)
        ]
        answers = await asyncio.gather(*logins, *registrations)
    assert [a.status_code for a in answers] == [200] * 24 + [201] * 16
    growth = peak_rss_mib(pid) - before
    # Two workers: two hashes' worth at once, plus the requests themselves. Unbounded, the
    # same burst takes one 64 MiB block per thread (about 1 GiB here).
    assert growth < 2 * ARGON2_MIB + 100, f"peak RSS grew {growth:.0f} MiB"

"""Several API processes and workers on one database, with faults midway.

Two API processes (as behind a balancer) and three workers run jobs through the fake
AssemblyAI with webhooks (each API process receives some of them). Midway one worker is
SIGKILLed and one API process restarted. Every job completes, each submitted to the
provider exactly once, and an event stream on each API process (reconnecting with
`Last-Event-ID` when its process goes away) sees every job's final event, no event id
twice. SCALE_OUT_JOBS sets the number of jobs (2,000 for the full run; fewer by default,
so the suite stays quick on two cores).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.api_process import running_api
from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.server import free_port
from tests.helpers.uploads import upload_file
from tests.helpers.worker import running_worker
from tests.integration.jobs.aai import submissions

JOBS = int(os.environ.get("SCALE_OUT_JOBS", "200"))
SECRET = "provider-webhook-secret-for-scale-out"
PARALLEL_CLIENTS = 16


@dataclass
class Watcher:
    """One client's event stream on one API process, reconnecting with Last-Event-ID."""

    base_url: str
    user: SignedInUser
    ids: list[int] = field(default_factory=list)
    final: dict[str, str] = field(default_factory=dict)  # job id -> final status
    reconnects: int = 0

    async def run(self) -> None:
        while True:
            headers = dict(self.user.headers)
            if self.ids:
                headers["Last-Event-ID"] = str(self.ids[-1])
            try:
                async with (
                    httpx.AsyncClient(base_url=self.base_url, timeout=30) as http,
                    http.stream("GET", "/events", headers=headers) as response,
                ):
                    if response.status_code == 200:
                        await self._read(response)
            except (httpx.TransportError, httpx.RemoteProtocolError):
                pass  # the process went away: come back with the last id
            self.reconnects += 1
            await asyncio.sleep(0.2)

    async def _read(self, response: httpx.Response) -> None:
        fields: dict[str, str] = {}
        async for line in response.aiter_lines():
            if line == "":
                if fields.get("event") == "job" and fields.get("id"):
                    self.ids.append(int(fields["id"]))
                    job = json.loads(fields["data"])
                    if job["status"] in ("completed", "failed", "cancelled"):
                        self.final[job["id"]] = job["status"]
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")


@pytest.fixture(scope="module")
def ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    return "assemblyai"


@pytest.fixture(scope="module")
def worker_env(worker_env: dict[str, str]) -> dict[str, str]:
    """For the API processes too: they take their settings from the environment."""
    return {
        **worker_env,
        "ASSEMBLYAI_WEBHOOK_SECRET": SECRET,
        "ASSEMBLYAI_WEBHOOK_FALLBACK_S": "600",  # webhooks (and catch-up) do the work
        "WORKER_CONCURRENCY": "32",
        # Five processes share one cluster (beside the suite's other processes): each gets
        # a small pool, as a deployment with several replicas would.
        "DATABASE_POOL_SIZE": "4",
    }


@pytest.fixture
def service(
    database_url: str, worker_env: dict[str, str], ports: tuple[int, int], tmp_path: Path
) -> Iterator[dict]:
    env = worker_env
    with ExitStack() as stack:
        apis = [
            stack.enter_context(running_api(database_url, tmp_path / f"api{n}.log", port, **env))
            for n, port in enumerate(ports)
        ]
        workers = [
            stack.enter_context(
                running_worker(
                    database_url,
                    tmp_path / f"worker{n}.log",
                    **env,
                    # Webhooks for this worker's submissions go to this API process.
                    PUBLIC_BASE_URL=f"http://127.0.0.1:{ports[n % 2]}",
                )
            )
            for n in range(3)
        ]
        yield {"apis": apis, "workers": workers, "stack": stack, "env": env, "logs": tmp_path}


def _completed(database_url: str, user_id: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM transcription_jobs WHERE user_id = %s AND status = 'completed'",
            (user_id,),
        ).fetchone()[0]


async def test_two_api_processes_and_three_workers_ride_out_a_kill_and_a_restart(
    service: dict, fake: FakeAssemblyAI, ports: tuple[int, int], database_url: str
) -> None:
    fake.complete_after_s = 0.3
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    async with httpx.AsyncClient(base_url=urls[0], timeout=60) as first:
        user = await signed_in_user(first)
    watchers = [Watcher(url, user) for url in urls]
    watching = [asyncio.create_task(w.run()) for w in watchers]
    await asyncio.sleep(0.5)

    texts = [f"scale out job {n}" for n in range(JOBS)]
    job_ids: list[str] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for text in texts:
        queue.put_nowait(text)
    halfway = asyncio.Event()

    async def client() -> None:
        async with (
            httpx.AsyncClient(base_url=urls[0], timeout=60) as a,
            httpx.AsyncClient(base_url=urls[1], timeout=60) as b,
        ):
            while not queue.empty():
                text = queue.get_nowait()
                api = (a, b)[len(job_ids) % 2]  # jobs created on both processes
                for attempt in range(30):
                    try:
                        key = await upload_file(api, user, text.encode(), "speech.wav", "audio/wav")
                        created = await api.post(
                            "/jobs",
                            json={"object_key": key, "language": "en", "mode": "mono"},
                            headers=user.headers,
                        )
                    except httpx.TransportError:  # that process is restarting: the other
                        api = b if api is a else a
                        await asyncio.sleep(0.1 * attempt)
                        continue
                    assert created.status_code == 201, created.text
                    job_ids.append(created.json()["id"])
                    if len(job_ids) >= JOBS // 2:
                        halfway.set()
                    break

    clients = [asyncio.create_task(client()) for _ in range(PARALLEL_CLIENTS)]
    await halfway.wait()
    # Midway: a worker dies without a word, and API process 2 restarts. (In threads: the
    # clients and streams of this loop go on meanwhile, as real ones would.)
    service["workers"][1].send_signal(signal.SIGKILL)
    service["apis"][1].send_signal(signal.SIGTERM)
    await asyncio.to_thread(service["apis"][1].wait, 30)
    again = running_api(
        database_url, service["logs"] / "api1-again.log", ports[1], **service["env"]
    )
    await asyncio.to_thread(service["stack"].enter_context, again)
    await asyncio.gather(*clients)
    assert len(job_ids) == JOBS

    deadline = time.monotonic() + 120 + JOBS * 0.1
    while _completed(database_url, user.id) < JOBS:
        assert time.monotonic() < deadline, f"{_completed(database_url, user.id)} of {JOBS} done"
        await asyncio.sleep(0.5)
    while any(len(w.final) < JOBS for w in watchers):
        assert time.monotonic() < deadline, [len(w.final) for w in watchers]
        await asyncio.sleep(0.2)
    for task in watching:
        task.cancel()

    # Each job went to the provider once, however its worker or API process fared.
    assert [text for text in texts if submissions(fake, text) != 1] == []
    for watcher in watchers:
        assert set(watcher.final) == set(job_ids)
        assert set(watcher.final.values()) == {"completed"}
        assert len(watcher.ids) == len(set(watcher.ids)), "an event id came twice"
    assert watchers[1].reconnects >= 1  # its process did go away


async def test_a_stopping_api_process_ends_its_event_streams_at_once(
    database_url: str, tmp_path: Path
) -> None:
    """SIGTERM: uvicorn waits for open connections before the app's shutdown, and an event
    stream never ends by itself; the process ends its streams first (their clients
    reconnect elsewhere with Last-Event-ID) and exits in moments, not when killed."""
    port = free_port()
    with running_api(database_url, tmp_path / "api.log", port) as process:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as api:
            user = await signed_in_user(api)
            async with api.stream("GET", "/events", headers=user.headers) as response:
                assert response.status_code == 200
                stopped = time.monotonic()
                process.send_signal(signal.SIGTERM)
                async with asyncio.timeout(10):  # a stream left open would hang here
                    async for _ in response.aiter_lines():  # to its end, which comes at once
                        pass
                assert time.monotonic() - stopped < 5
        # uvicorn re-raises the signal it caught once it has shut down cleanly.
        assert await asyncio.to_thread(process.wait, 10) in (0, -signal.SIGTERM)
        assert time.monotonic() - stopped < 10

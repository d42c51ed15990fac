"""Event stream benchmark: 1,000 open SSE streams on one API process while 500 jobs finish.

A real `python -m transcribe serve` process on a fresh database (stub engine). USERS users
each open STREAMS / USERS `GET /events` streams (tabs, devices, a CLI's `--wait`; by
default 100 users with 10 streams each, so that every change goes to 10 streams: a
heavier fan-out per change than users with one or two tabs give). Their JOBS jobs then
finish through the lifecycle module, as a worker finishes them (claimed, progress 50 %,
completed: three changes, each its own transaction), from WORKERS concurrent workers in
another process, as fast as they commit. Each change is timed as its COMMIT is sent
(PostgreSQL sends the NOTIFY during it: a delay is at most the commit's own time, printed,
longer than the true one); each stream times each event as its bytes arrive (raw asyncio
streams in this process, which does nothing else meanwhile). Delay = arrival - commit, per
event per stream; every stream must get each of its user's events once and no other's.

The baseline, measured first in the same run: one user with one stream, whose JOBS jobs
finish the same way (every change reaches that one stream). RSS is the API's, from the
kernel: idle before the streams open, with them open, and the peak while the jobs finish.
Targets: p99 under 1 s with all the streams; RSS growth under 100 MiB. `--users 1000` gives
every stream a user of its own (each change then reaches one stream).

    .venv/bin/python bench/events.py [--streams 1000] [--users 100] [--jobs 500] [--workers 4]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import psycopg
from tests.helpers.processes import stop_process
from tests.helpers.server import free_port

from bench.common import insert_job, insert_user, migrated_database, rss_mib

CHANGES = ("claimed", "progress", "completed")
_ID_LINE = re.compile(rb"(?m)^id: (\d+)\r?$")


def cpu_s(pid: int) -> float:
    """A process's CPU time so far (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def api_process(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """`python -m transcribe serve`, as deployed (one process), on a free port."""
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "transcribe", "serve"],
        env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health").is_success:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"the API did not start: {log.read()[-2000:]!r}")
            time.sleep(0.2)
        yield url, process
    finally:
        stop_process(process, timeout=30)
        log.close()


def make_users(database_url: str, count: int) -> list[tuple[str, str]]:
    """`count` users, each with an access token issued by the API's own TokenIssuer (the
    JWT_SECRET of this process's environment, as the API's): (user id, token) each. Made
    in the database, not signed up: a thousand argon2 hashes would take minutes here."""
    from transcribe import plugins
    from transcribe.db import models as m
    from transcribe.domain.accounts.auth import TokenIssuer, build_jwt_auth
    from transcribe.settings import get_settings

    settings = get_settings()
    issuer = TokenIssuer(
        build_jwt_auth(settings, plugins.alchemy_config(settings)),
        settings.auth.access_token_ttl_s,
    )
    users = []
    with psycopg.connect(database_url) as conn:
        for _ in range(count):
            user_id = insert_user(conn)
            users.append((str(user_id), issuer.issue(m.User(id=user_id, token_version=0))))
    return users


def make_jobs(database_url: str, user_ids: list[str], count: int) -> dict[str, str]:
    """`count` pending jobs, dealt round the users: job id -> user id. Rows as the API
    creates them (a worker claims only what exists; the stub engine needs no audio here)."""
    owners = {}
    with psycopg.connect(database_url) as conn:
        for i in range(count):
            user_id = user_ids[i % len(user_ids)]
            key = f"uploads/{user_id}/{i}/talk.wav"
            owners[insert_job(conn, user_id, key, f"talk {i}.wav", engine="stub")] = user_id
    return owners


def finish_jobs(
    database_url: str, job_ids: list[str], workers: int
) -> list[tuple[str, str, float]]:
    """In its own process: each job claimed, at 50 %, completed, each change its own
    transaction through the lifecycle module, `workers` jobs at a time. (job id, change,
    time.time() when the commit returned) per change."""
    return asyncio.run(_finish_jobs(database_url, job_ids, workers))


async def _finish_jobs(
    database_url: str, job_ids: list[str], workers: int
) -> list[tuple[str, str, float, float]]:
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.orm import Session

    from transcribe.domain.jobs import lifecycle
    from transcribe.settings import DatabaseSettings

    # Registered after lifecycle's own hook, so it runs after the event rows are written:
    # what is left of the commit is the COMMIT itself, when PostgreSQL sends the NOTIFY.
    @event.listens_for(Session, "before_commit")
    def _commit_starts(session: Session) -> None:
        session.info["commit_started"] = time.time()

    @event.listens_for(Session, "after_commit")
    def _commit_returned(session: Session) -> None:
        session.info["commit_returned"] = time.time()

    engine = create_async_engine(DatabaseSettings(url=database_url).async_url, pool_size=workers)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    todo = iter(job_ids)
    committed: list[tuple[str, str, float, float]] = []

    async def change(job_id: str, name: str) -> None:
        key = uuid.UUID(job_id)
        async with sessions.begin() as session:
            if name == "claimed":
                done = await lifecycle.claim(session, key, "stub")
            elif name == "progress":
                done = await lifecycle.progress(session, key, 50)
            else:
                done = await lifecycle.complete(
                    session,
                    key,
                    result_object_key=f"results/{job_id}.json",
                    detected_language="en",
                    audio_duration_s=30.0,
                )
            assert done is not None, (job_id, name)
        committed.append(
            (job_id, name, session.info["commit_started"], session.info["commit_returned"])
        )

    async def worker() -> None:
        for job_id in todo:
            for name in CHANGES:
                await change(job_id, name)

    await asyncio.gather(*(worker() for _ in range(workers)))
    await engine.dispose()
    return committed


@dataclass(eq=False)
class Stream:
    """One `GET /events` over a raw socket: the id and arrival time of each event."""

    user_id: str
    token: str
    expected: int = 0
    arrivals: list[tuple[int, float]] = field(default_factory=list)
    complete: asyncio.Event = field(default_factory=asyncio.Event)
    _writer: asyncio.StreamWriter | None = None
    _task: asyncio.Task | None = None

    async def open(self, host: str, port: int) -> None:
        reader, self._writer = await asyncio.open_connection(host, port)
        self._writer.write(
            f"GET /events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
            f"Authorization: Bearer {self.token}\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 200 " not in status:
            raise RuntimeError(f"GET /events: {head[:300]!r}")
        if b"transfer-encoding: chunked" not in head.lower():
            raise RuntimeError(f"GET /events: not chunked: {head[:300]!r}")
        self._task = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        raw = b""  # chunked framing not yet decoded
        body = b""  # decoded bytes not yet a whole event
        while data := await reader.read(65536):
            arrived = time.time()
            raw += data
            while (end := raw.find(b"\r\n")) >= 0:
                size = int(raw[:end].split(b";")[0], 16)
                if len(raw) < end + 2 + size + 2:
                    break
                body += raw[end + 2 : end + 2 + size]
                raw = raw[end + 2 + size + 2 :]
            cut = body.rfind(b"\r\n\r\n")
            if cut < 0:
                continue
            whole, body = body[: cut + 4], body[cut + 4 :]
            for match in _ID_LINE.finditer(whole):
                self.arrivals.append((int(match.group(1)), arrived))
            if self.expected and len(self.arrivals) >= self.expected:
                self.complete.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._writer is not None:
            self._writer.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def one_round(
    api: str,
    pid: int,
    database_url: str,
    users: list[tuple[str, str]],
    streams: int,
    jobs: int,
    workers: int,
) -> dict:
    host, port = api.removeprefix("http://").split(":")
    owners = make_jobs(database_url, [user_id for user_id, _ in users], jobs)
    per_user = Counter(owners.values())
    clients = [Stream(*users[i % len(users)]) for i in range(streams)]
    for client in clients:
        client.expected = per_user[client.user_id] * len(CHANGES)
        if not client.expected:  # a user with no job finishing: its stream should stay quiet
            client.complete.set()

    rss_idle = rss_mib(pid)
    opening = time.monotonic()
    for batch in range(0, len(clients), 50):  # as tabs open: not all in one instant
        await asyncio.gather(*(c.open(host, int(port)) for c in clients[batch : batch + 50]))
    opened_s = time.monotonic() - opening
    await asyncio.sleep(2)  # settled
    rss_open = rss_mib(pid)

    peak = rss_open
    cpu_before = cpu_s(pid)
    started = time.monotonic()
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        driving = loop.run_in_executor(pool, finish_jobs, database_url, list(owners), workers)
        everyone = asyncio.gather(*(c.complete.wait() for c in clients))
        deadline = time.monotonic() + 300
        while not (driving.done() and everyone.done()):
            await asyncio.sleep(0.1)
            peak = max(peak, rss_mib(pid))
            if time.monotonic() > deadline:
                short = sum(1 for c in clients if not c.complete.is_set())
                raise TimeoutError(f"{short} streams still wait for events")
        committed = driving.result()
    took = time.monotonic() - started
    cpu = cpu_s(pid) - cpu_before
    await asyncio.sleep(1)  # anything late or twice
    rss_after = rss_mib(pid)
    for client in clients:
        await client.close()

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id, job_id::text, change FROM job_events WHERE job_id = ANY(%s::uuid[])",
            (list(owners),),
        ).fetchall()
    # From the moment the COMMIT is sent: the NOTIFY goes out during it, so a delay is
    # at most the commit's own time (commit_ms) longer than the true one.
    when = {(job_id, change): at for job_id, change, at, _ in committed}
    event_at = {event_id: when[(job_id, change)] for event_id, job_id, change in rows}
    finals = {event_id for event_id, _, change in rows if change == "completed"}
    every: list[float] = []
    final_delays: list[float] = []
    owner = {event_id: owners[job_id] for event_id, job_id, _ in rows}
    twice = missing = stray = 0
    for client in clients:
        ids = [event_id for event_id, _ in client.arrivals]
        twice += len(ids) - len(set(ids))
        own = {event_id for event_id in ids if owner.get(event_id) == client.user_id}
        stray += len(set(ids) - own)  # another user's event: must never happen
        missing += client.expected - len(own)
        for event_id, arrived in client.arrivals:
            if event_id not in own:
                continue
            delay = arrived - event_at[event_id]
            every.append(delay)
            if event_id in finals:
                final_delays.append(delay)
    return {
        "streams": streams,
        "users": len({c.user_id for c in clients}),
        "changes": len(committed),
        "deliveries": len(every),
        "p50_ms": statistics.median(every) * 1000,
        "p99_ms": percentile(every, 0.99) * 1000,
        "max_ms": max(every) * 1000,
        "final_p99_ms": percentile(final_delays, 0.99) * 1000,
        "commits_per_s": len(committed)
        / (max(end for *_, end in committed) - min(start for *_, start, _ in committed)),
        "commit_ms": statistics.median(end - start for *_, start, end in committed) * 1000,
        "seconds": took,
        "api_cpu_s": cpu,
        "opened_s": opened_s,
        "rss_idle": rss_idle,
        "rss_open": rss_open,
        "rss_peak": peak,
        "rss_after": rss_after,
        "twice": twice,
        "missing": missing,
        "stray": stray,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    # A socket per stream here and one in the API: well past a default limit of 1,024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, args.streams * 2 + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))

    storage = tempfile.mkdtemp(prefix="bench-events-storage-")
    with migrated_database() as url:
        os.environ.update(
            ENV_FILE="/nonexistent/.env",
            DATABASE_URL=url,
            JWT_SECRET="bench-secret-" + "x" * 40,
            STORAGE_BACKEND="local",
            LOCAL_STORAGE_DIR=storage,
            TRANSCRIPTION_BACKEND="stub",
            LOG_LEVEL="INFO",  # as deployed: a line per request
        )
        users = make_users(url, args.users + 1)
        solo, crowd = users[:1], users[1:]
        with api_process(dict(os.environ)) as (api, process):
            results = {
                "1 stream": asyncio.run(
                    one_round(api, process.pid, url, solo, 1, args.jobs, args.workers)
                ),
                f"{args.streams} streams": asyncio.run(
                    one_round(api, process.pid, url, crowd, args.streams, args.jobs, args.workers)
                ),
            }
    shutil.rmtree(storage, ignore_errors=True)

    print(
        f"one API process (python -m transcribe serve); {args.jobs} jobs finish per round "
        f"(claimed, 50 %, completed: {args.jobs * len(CHANGES)} changes) from {args.workers} "
        "workers in another process; delay = arrival at the stream - commit"
    )
    print(
        f"{'round':<14}{'users':>6}{'deliveries':>11}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
        f"{'final p99':>10}{'changes/s':>10}{'commit ms':>10}{'API CPU s':>10}{'RSS idle':>9}{'open':>6}"
        f"{'peak':>6}{'missing':>8}{'twice':>6}{'stray':>6}"
    )
    for name, r in results.items():
        print(
            f"{name:<14}{r['users']:>6}{r['deliveries']:>11}{r['p50_ms']:>8.1f}"
            f"{r['p99_ms']:>8.1f}{r['max_ms']:>8.1f}{r['final_p99_ms']:>10.1f}"
            f"{r['commits_per_s']:>10.0f}{r['commit_ms']:>10.1f}{r['api_cpu_s']:>10.1f}{r['rss_idle']:>9.0f}"
            f"{r['rss_open']:>6.0f}{r['rss_peak']:>6.0f}{r['missing']:>8}{r['twice']:>6}"
            f"{r['stray']:>6}"
        )
    crowd_result = results[f"{args.streams} streams"]
    print(
        f"{args.streams} streams: p99 {crowd_result['p99_ms']:.0f} ms (target < 1000); API RSS "
        f"+{crowd_result['rss_peak'] - crowd_result['rss_idle']:.0f} MiB from idle to the peak "
        f"(target < 100); streams opened in {crowd_result['opened_s']:.1f} s"
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()

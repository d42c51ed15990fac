"""API hot-path benchmark: the project beside a bare Litestar app, in the same run.

Both are served by one uvicorn process each, with the same flags, on a fresh database; wrk
(Debian's `wrk`) drives every target with the same load, in interleaved rounds, and the
medians are printed with their ratios:

- baseline: `GET /hello`, a raw asyncpg primary-key select, an ORM `session.get` select, a
  user's 20 newest jobs with their total from one SQLAlchemy query, a job row inserted with
  its procrastinate task deferred in one transaction (bench/api_baseline.py, pools of
  DATABASE_POOL_SIZE, as the project's);
- project: `GET /jobs/{id}`, `GET /jobs?limit=20` (a signed-in user with 200 jobs),
  `POST /jobs` (another user's, so that the list keeps its 200).

Targets: `GET /jobs/{id}` at least 1.0x the ORM select and 0.5x the raw select;
`GET /jobs?limit=20` at least 1.0x the bare page; `POST /jobs` at least 0.8x the bare
insert and defer; p99 under 3x p50. A second part fires 32 concurrent logins at the project and prints the API's peak
RSS (target: under 300 MiB), read from the kernel (VmHWM). A third part prices the request
log line, the request metrics (Prometheus) and the request id: `GET /jobs/{id}` on one
server process under callgrind (Debian's `valgrind`), switched between the full app and the
app with each piece off (bench/api_variants.py); the cost is the share of the instructions
per request each one takes (target: under 5 % each). It takes about three minutes.

    .venv/bin/python bench/api.py [--rounds 5] [--seconds 5] [--connections 32]
        [--only list,create] [--no-extras]

`--only` runs just the named pairs (`get`, `list`, `create`); `--no-extras` skips the logins
and the callgrind part.
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
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import psycopg
from tests.helpers.server import free_port

from bench.api_variants import PIECES
from bench.common import migrated_database, rss_mib

POOL_SIZE = "10"
PASSWORD = "bench password 1"  # noqa: S105 - a throwaway account on a throwaway database
POST_SCRIPT = """
wrk.method = "POST"
wrk.body = '{"object_key": "%s", "language": "en", "mode": "mono"}'
wrk.headers["Content-Type"] = "application/json"
"""


@contextmanager
def uvicorn(
    factory: str, env: dict[str, str], under: tuple[str, ...] = (), start_s: float = 30
) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [
            *under,
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        # The API signs upload URLs for where it is reached.
        env={**env, "PORT": str(port), "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"},
        cwd=ROOT,
        stdout=log,  # the per-request log lines are written, as in production, but not shown
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_s
        while True:
            try:
                httpx.get(f"{url}/hello" if "api_baseline" in factory else f"{url}/health")
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"{factory} did not start: {log.read()[-2000:]!r}") from None
                time.sleep(0.2)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def wrk(url: str, seconds: int, connections: int, token: str | None, script: str | None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latency = {  # milliseconds, from the "Latency Distribution" block
        pct: float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses\n{output}")
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency["50"],
        "p99": latency["99"],
    }


LISTED_JOBS = 200


@dataclass
class Account:
    token: str
    user_id: str
    object_key: str
    job_id: str


def prepare(api: str, database_url: str, name: str, jobs: int) -> Account:
    """A user with a completed upload and `jobs` jobs of it."""
    email = f"bench-{name}-{os.getpid()}@example.com"
    with httpx.Client(base_url=api, timeout=30) as http:
        assert http.post("/auth/register", json={"email": email, "password": PASSWORD}).is_success
        token = http.post("/auth/login", json={"email": email, "password": PASSWORD}).json()[
            "access_token"
        ]
        headers = {"Authorization": f"Bearer {token}"}
        presigned = http.post(
            "/files/presign",
            json={"filename": "talk.txt", "size": 5, "content_type": "text/plain"},
            headers=headers,
        ).json()
        http.request(
            presigned["method"],
            presigned["upload_url"],
            content=b"hello",
            headers=presigned["headers"],
        ).raise_for_status()
        key = presigned["object_key"]
        http.post("/files/complete", json={"object_key": key}, headers=headers).raise_for_status()
        job = http.post(
            "/jobs", json={"object_key": key, "language": "en", "mode": "mono"}, headers=headers
        ).json()
        for _ in range(jobs - 1):
            http.post(
                "/jobs", json={"object_key": key, "language": "en", "mode": "mono"}, headers=headers
            ).raise_for_status()
    with psycopg.connect(database_url) as conn:
        (user_id,) = conn.execute(
            "SELECT user_id FROM transcription_jobs WHERE id = %s", (job["id"],)
        ).fetchone()
    return Account(token, str(user_id), key, job["id"])


async def burst_of_logins(api: str, count: int) -> None:
    email = f"login-burst-{os.getpid()}@example.com"
    async with httpx.AsyncClient(base_url=api, timeout=120) as http:
        await http.post("/auth/register", json={"email": email, "password": PASSWORD})
        answers = await asyncio.gather(
            *(
                http.post("/auth/login", json={"email": email, "password": PASSWORD})
                for _ in range(count)
            )
        )
    assert all(a.status_code == 200 for a in answers), {a.status_code for a in answers}


REPEAT = "full app, again"
CALLGRIND_SECONDS = 10


def piece_costs(env: dict[str, str], token: str, job_id: str) -> dict:
    """Each piece's share of a request: 1 - (instructions per request without it / with it),
    counted by callgrind in one server process switched between the variants
    (bench/api_variants.py). Time is no measure here: two runs of the very same app side by
    side differ by up to 15 % in CPU time per request on this shared machine, more than a piece
    costs, while instruction counts repeat to a fraction of a percent (the full app is counted
    twice, first and last, to show it). Instructions leave out the kernel's share (the log
    line's write(2)) and the caches'."""
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind): the pieces are not priced")
        return {}
    switches = Path(tempfile.mkstemp(prefix="bench-pieces-")[1])
    dumps = Path(tempfile.mkdtemp(prefix="bench-callgrind-"))
    callgrind = ("valgrind", "--tool=callgrind", "--instr-atstart=no")
    callgrind += (f"--callgrind-out-file={dumps}/out.%p",)
    env = {**env, "BENCH_PIECES_OFF": str(switches)}
    with uvicorn("bench.api_variants:switchable", env, callgrind, start_s=600) as (url, process):

        def control(*flags: str) -> None:
            subprocess.run(
                ["callgrind_control", *flags, str(process.pid)], check=True, capture_output=True
            )

        def instructions_per_request(off: str) -> float:
            switches.write_text(off)
            process.send_signal(signal.SIGUSR1)
            time.sleep(1)  # handled between two bytecodes of the server's main thread
            control("--zero")
            control("--instr=on")
            result = wrk(f"{url}/jobs/{job_id}", CALLGRIND_SECONDS, 8, token, None)
            control("--instr=off")
            control("--dump")
            newest = max(dumps.glob("out.*.*"), key=lambda p: p.stat().st_mtime)
            totals = re.search(r"^totals:\s+(\d+)", newest.read_text(), re.M)
            return int(totals.group(1)) / result["requests"]

        instructions_per_request("")  # warmed up: start-up and first requests are not priced
        counts = {name: instructions_per_request(name) for name in ("", *PIECES)}
        counts[REPEAT] = instructions_per_request("")
    switches.unlink()
    shutil.rmtree(dumps, ignore_errors=True)
    full = counts.pop("")
    return {"instructions_per_request": full} | {
        name: 1 - count / full for name, count in counts.items()
    }


PAIRS = {  # --only's names: the project's page and the bare app's counterpart
    "get": ("GET /jobs/{id}", "bare ORM session.get"),
    "list": ("GET /jobs?limit=20", "bare page of 20 + total"),
    "create": ("POST /jobs", "bare insert + defer"),
}
TARGETS = {  # project / bare, at least
    ("GET /jobs/{id}", "bare ORM session.get"): 1.0,
    ("GET /jobs/{id}", "bare raw asyncpg select"): 0.5,
    ("GET /jobs?limit=20", "bare page of 20 + total"): 1.0,
    ("POST /jobs", "bare insert + defer"): 0.8,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", default=",".join(PAIRS), help="pairs to run: get,list,create")
    parser.add_argument("--no-extras", action="store_true", help="skip logins and callgrind")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if unknown := only - set(PAIRS):
        sys.exit(f"no such pair: {sorted(unknown)}")
    if not shutil.which("wrk"):
        sys.exit("bench/api.py needs wrk: apt-get install wrk")

    storage = tempfile.mkdtemp(prefix="bench-api-storage-")
    costs: dict = {}
    rss_before = peak = 0.0
    with migrated_database() as url:
        env = {
            **os.environ,
            "ENV_FILE": "/nonexistent/.env",
            "DATABASE_URL": url,
            "DATABASE_POOL_SIZE": POOL_SIZE,
            "JWT_SECRET": "bench-secret-" + "x" * 40,
            "STORAGE_BACKEND": "local",
            "LOCAL_STORAGE_DIR": storage,
            "TRANSCRIPTION_BACKEND": "stub",
            "LOG_LEVEL": "INFO",  # one line per request, as deployed
            "LOGIN_MAX_FAILURES_PER_CLIENT": "100000",
            "REGISTER_MAX_PER_CLIENT": "100000",
            "PYTHONPATH": str(ROOT),
        }
        with (
            uvicorn("bench.api_baseline:create_app", env) as (bare, _),
            uvicorn("transcribe.app:served_app", env) as (api, api_proc),
        ):
            lister = prepare(api, url, "lister", LISTED_JOBS)
            poster = prepare(api, url, "poster", 1)  # its jobs pile up: not the listed user
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(POST_SCRIPT % poster.object_key)
            job_id = lister.job_id
            bare_post = f"{bare}/jobs?user={poster.user_id}&filename=talk.txt"
            every = {
                "bare hello": (f"{bare}/hello", None, None),
                "bare raw asyncpg select": (f"{bare}/raw/{job_id}", None, None),
                "bare ORM session.get": (f"{bare}/orm/{job_id}", None, None),
                "GET /jobs/{id}": (f"{api}/jobs/{job_id}", lister.token, None),
                "bare page of 20 + total": (
                    f"{bare}/jobs?user={lister.user_id}&limit=20",
                    None,
                    None,
                ),
                "GET /jobs?limit=20": (f"{api}/jobs?limit=20", lister.token, None),
                "bare insert + defer": (bare_post, None, script.name),
                "POST /jobs": (f"{api}/jobs", poster.token, script.name),
            }
            wanted = {name for pair in only for name in PAIRS[pair]}
            if "get" in only:
                wanted |= {"bare hello", "bare raw asyncpg select"}
            targets = {name: target for name, target in every.items() if name in wanted}
            runs: dict[str, list[dict]] = {name: [] for name in targets}
            for _ in range(args.rounds):
                for name, (target, auth, lua) in targets.items():
                    runs[name].append(wrk(target, args.seconds, args.connections, auth, lua))
            os.unlink(script.name)

            if not args.no_extras:
                rss_before = rss_mib(api_proc.pid)
                asyncio.run(burst_of_logins(api, 32))
                peak = rss_mib(api_proc.pid, "VmHWM")
                costs = piece_costs(env, lister.token, job_id)

    shutil.rmtree(storage, ignore_errors=True)
    medians = {
        name: {k: statistics.median(r[k] for r in results) for k in ("rps", "p50", "p99")}
        for name, results in runs.items()
    }
    print(
        f"{args.rounds} interleaved rounds of {args.seconds} s, {args.connections} connections, "
        f"medians; pools of {POOL_SIZE}; the listed user has {LISTED_JOBS} jobs"
    )
    print(f"{'target':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99/p50':>8}")
    for name, m in medians.items():
        print(
            f"{name:28} {m['rps']:9.0f} {m['p50']:8.2f} {m['p99']:8.2f} {m['p99'] / m['p50']:8.1f}"
        )
    ratios = {}
    for (page, bare_page), target in TARGETS.items():
        if page in medians and bare_page in medians:
            ratio = medians[page]["rps"] / medians[bare_page]["rps"]
            # Each round's own ratio too: the machine's load drifts between rounds.
            per_round = [
                a["rps"] / b["rps"] for a, b in zip(runs[page], runs[bare_page], strict=True)
            ]
            ratios[f"{page} / {bare_page}"] = ratio
            print(
                f"{page} / {bare_page}: {ratio:.2f}x (target >= {target}); per round "
                + ", ".join(f"{r:.2f}" for r in per_round)
            )
    if peak:
        print(
            f"32 concurrent logins: API RSS {rss_before:.0f} MiB before, peak {peak:.0f} MiB "
            "(target < 300)"
        )
    if costs:
        print(
            f"GET /jobs/{{id}} under callgrind: {costs['instructions_per_request']:,.0f} instructions"
        )
    for piece, share in costs.items():
        if piece in PIECES:
            print(f"{piece}: {share * 100:.1f} % of its instructions (target < 5)")
        elif piece == REPEAT:
            print(f"{piece}: {share * 100:+.2f} % (the counts' repeatability)")
    print(
        json.dumps(
            {
                "medians": medians,
                "ratios": ratios,
                "rss_before_mib": rss_before,
                "rss_peak_mib": peak,
                "costs": costs,
            }
        )
    )


if __name__ == "__main__":
    main()

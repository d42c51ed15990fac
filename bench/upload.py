"""Upload benchmark: a 1 GiB file through the local backend's signed PUT route.

Starts `python -m transcribe serve` on a throwaway database, registers, presigns, streams
the file from a generator (the client holds no more than one chunk either), completes,
and prints throughput and the server's peak RSS growth (target: under 64 MiB).

    .venv/bin/python bench/upload.py [--size-mib 1024]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This folder holds queue.py, which must not shadow the standard library's `queue`.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]


import argparse
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator

import httpx
from tests.helpers.database import fresh_database
from tests.helpers.server import free_port

CHUNK = 1 << 20


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class PeakRss(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_bytes(self.pid))
            time.sleep(0.02)


def body(total: int) -> Iterator[bytes]:
    block = os.urandom(CHUNK)
    sent = 0
    while sent < total:
        piece = block[: min(CHUNK, total - sent)]
        sent += len(piece)
        yield piece


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=1024)
    size = parser.parse_args().size_mib * CHUNK
    port = free_port()
    with fresh_database("transcribe_bench") as url, tempfile.TemporaryDirectory() as storage:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "PORT": str(port),
            "STORAGE_BACKEND": "local",
            "LOCAL_STORAGE_DIR": storage,
            "MAX_UPLOAD_BYTES": str(4 << 30),
            "LOG_LEVEL": "WARNING",
            "ENV_FILE": "/nonexistent",
            "PYTHONPATH": str(ROOT / "src"),
        }
        subprocess.run([sys.executable, "-m", "transcribe", "migrate"], env=env, check=True)
        server = subprocess.Popen([sys.executable, "-m", "transcribe", "serve"], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            with httpx.Client(base_url=base, timeout=600) as http:
                creds = {"email": "bench@example.com", "password": "benchmark-password"}
                http.post("/auth/register", json=creds).raise_for_status()
                token = http.post("/auth/login", json=creds).json()["access_token"]
                auth = {"Authorization": f"Bearer {token}"}
                presigned = http.post(
                    "/files/presign",
                    json={"filename": "big.wav", "size": size, "content_type": "audio/wav"},
                    headers=auth,
                ).json()
                baseline = rss_bytes(server.pid)
                sampler = PeakRss(server.pid)
                sampler.start()
                start = time.perf_counter()
                put = httpx.put(
                    presigned["upload_url"],
                    content=body(size),
                    headers=presigned["headers"],
                    timeout=600,
                )
                elapsed = time.perf_counter() - start
                sampler.running = False
                sampler.join()
                put.raise_for_status()
                done = http.post(
                    "/files/complete", json={"object_key": presigned["object_key"]}, headers=auth
                )
                done.raise_for_status()
        finally:
            server.terminate()
            server.wait(timeout=30)
    growth = max(0, sampler.peak - baseline)
    print(f"uploaded {size / CHUNK:.0f} MiB through the local backend in {elapsed:.1f} s")
    print(f"throughput: {size / CHUNK / elapsed:.0f} MiB/s")
    print(
        f"server RSS: {baseline / CHUNK:.0f} MiB before, peak growth {growth / CHUNK:.1f} MiB (target < 64 MiB)"
    )


if __name__ == "__main__":
    main()

"""A PostgreSQL cluster of a test's own (initdb on a free port), for tests that restart or
stop the database: the shared cluster on 5432 is never touched."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.server import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    if not found or not found[-1]:
        raise RuntimeError(f"{name} is not installed")
    return found[-1]


def _as_postgres(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    # initdb and postgres refuse to run as root: root runs them as the `postgres` user.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, *command], capture_output=True, text=True, check=check, timeout=120
    )


@dataclass
class PrivateCluster:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        _as_postgres(_bin("pg_ctl"), "-D", str(self.data), "-w", *args)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.pg_ctl("-o", options, "-l", str(self.data / "server.log"), "start")

    def restart(self) -> None:
        # -l again: without it the new postmaster would hold this process's output pipes.
        self.pg_ctl("-m", "fast", "-l", str(self.data / "server.log"), "restart")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivateCluster]:
    data = Path(tempfile.mkdtemp(prefix="transcribe-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    cluster = PrivateCluster(data, free_port())
    _as_postgres(_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    cluster.start()
    try:
        yield cluster
    finally:
        _as_postgres(_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(data, ignore_errors=True)

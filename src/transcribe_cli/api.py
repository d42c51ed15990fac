"""The REST calls the CLI makes, with the API's errors turned into plain messages.

A login session renews itself: an access token refused with 401 is replaced once through
`POST /auth/refresh` (which also rotates the refresh token) and the request is sent again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import httpx
from httpx_sse import connect_sse

from transcribe.lib.text import printable

CHUNK = 1 << 20


class ApiError(Exception):
    """What the server refused, in its own words (`detail`, and field errors from `extra`)."""

    def __init__(self, status: int, detail: str, problems: list[str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problems = problems or []

    def __str__(self) -> str:
        lines = [f"{self.detail} (HTTP {self.status})", *(f"  {p}" for p in self.problems)]
        return "\n".join(lines)


class SessionExpired(Exception):
    """The saved login no longer works (expired, revoked, or the password changed)."""


def _problems(extra: Any) -> list[str]:
    """Litestar's validation details: `[{key, message, source}]`, or a mapping."""
    if isinstance(extra, dict):
        extra = [{"key": key, "message": value} for key, value in extra.items()]
    if not isinstance(extra, list):
        return []
    found = []
    for item in extra:
        if isinstance(item, dict) and item.get("message"):
            key = f"{item['key']}: " if item.get("key") else ""
            found.append(printable(f"{key}{item['message']}"))
    return found


def _check(response: httpx.Response) -> Any:
    if response.is_success:
        return response.json() if response.content else None
    try:
        body = response.json()
        detail, extra = body.get("detail") or response.text, body.get("extra")
    except (ValueError, AttributeError):
        detail, extra = response.text or response.reason_phrase, None
    raise ApiError(response.status_code, printable(str(detail))[:500], _problems(extra))


@dataclass
class Tokens:
    access: str
    refresh: str | None = None  # none for an API key


class TokenStore(Protocol):
    """Where a login is kept, shared by every CLI process of the user."""

    def locked(self) -> AbstractContextManager[None]: ...
    def load(self) -> Tokens | None: ...
    def save(self, tokens: Tokens) -> None: ...


class RenewingAuth(httpx.Auth):
    """Bearer auth that renews the login once when the access token is refused.

    A refresh token is single-use and spending one twice revokes the whole login, so the
    renewal runs under the store's lock and first looks whether another process renewed it.
    """

    def __init__(self, server: str, tokens: Tokens, store: TokenStore | None = None) -> None:
        self.refresh_url = server.rstrip("/") + "/auth/refresh"
        self.tokens = tokens
        self.store = store

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.tokens.access}"
        response = yield request
        if response.status_code != 401:
            return
        if not self.tokens.refresh or self.store is None:
            raise SessionExpired("the API key or token was refused")
        with self.store.locked():
            saved = self.store.load()
            if saved and saved.access != self.tokens.access:
                self.tokens = saved  # renewed by another process meanwhile
            else:
                renewal = yield httpx.Request(
                    "POST", self.refresh_url, json={"refresh_token": self.tokens.refresh}
                )
                if renewal.status_code != 200:
                    raise SessionExpired("the login has expired or was revoked")
                renewal.read()
                body = renewal.json()
                self.tokens = Tokens(body["access_token"], body["refresh_token"])
                self.store.save(self.tokens)
        request.headers["Authorization"] = f"Bearer {self.tokens.access}"
        yield request


class TranscribeApi:
    def __init__(self, server: str, auth: httpx.Auth | None = None, timeout: float = 60) -> None:
        self.http = httpx.Client(base_url=server.rstrip("/"), auth=auth, timeout=timeout)
        self.last_event_id: str | None = None  # of the last job event stream read

    def close(self) -> None:
        self.http.close()

    def register(self, email: str, password: str) -> dict:
        body = {"email": email, "password": password}
        return _check(self.http.post("/auth/register", json=body, auth=None))

    def login(self, email: str, password: str) -> Tokens:
        body = {"email": email, "password": password}
        tokens = _check(self.http.post("/auth/login", json=body, auth=None))
        return Tokens(tokens["access_token"], tokens["refresh_token"])

    def logout(self, refresh_token: str) -> None:
        body = {"refresh_token": refresh_token}
        _check(self.http.post("/auth/logout", json=body, auth=None))

    def me(self) -> dict:
        return _check(self.http.get("/auth/me"))

    def usage(self) -> dict:
        return _check(self.http.get("/usage"))

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

    def create_job(self, object_key: str, language: str, mode: str, **hints: Any) -> dict:
        body = {"object_key": object_key, "language": language, "mode": mode}
        body.update({name: value for name, value in hints.items() if value})
        return _check(self.http.post("/jobs", json=body))

    def job(self, job_id: str) -> dict:
        return _check(self.http.get(f"/jobs/{job_id}"))

    def cancel(self, job_id: str) -> None:
        _check(self.http.delete(f"/jobs/{job_id}"))

    def job_events(
        self, job_id: str, idle_timeout_s: float = 60, last_event_id: str | None = None
    ) -> Iterator[dict]:
        """The job's states as the server streams them (SSE): now, then each change; the
        stream ends after a final status. Raises httpx.HTTPError if it breaks. The id of the
        last event received is kept in `last_event_id`: passed back, the stream resumes
        after it (the events missed meanwhile first)."""
        timeout = httpx.Timeout(10, read=idle_timeout_s)  # keep-alives come every 15 s
        self.last_event_id = last_event_id
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        with connect_sse(
            self.http, "GET", f"/jobs/{job_id}/events", timeout=timeout, headers=headers
        ) as source:
            if source.response.status_code != 200:
                source.response.read()
                _check(source.response)
            for event in source.iter_sse():
                if event.id:
                    self.last_event_id = event.id
                if event.event == "job":
                    yield json.loads(event.data)

    def jobs(
        self, status: str | None, limit: int, search: str | None = None, *, offset: int = 0
    ) -> dict:
        params: dict[str, Any] = {"limit": limit, **({"offset": offset} if offset else {})}
        if status:
            params["status"] = status
        if search:
            params["q"] = search
        return _check(self.http.get("/jobs", params=params))

    def engine(self) -> dict:
        return _check(self.http.get("/engine", auth=None))

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

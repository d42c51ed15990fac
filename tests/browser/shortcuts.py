"""Shortcuts past the pages, over the API, for browser tests and bench/web.py: a completed
job made from a text (the stub engine's transcript), a recording swapped in for its media,
and a browser context that is already signed in (the tokens where the app keeps them)."""

from __future__ import annotations

import json
import time
import wave
from pathlib import Path
from typing import Any

import httpx
import psycopg

SESSION_KEY = "transcribe.session"
THEME_KEY = "transcribe.theme"


def login(service_url: str, email: str, password: str) -> dict[str, Any]:
    """POST /auth/login: the session as the app stores it, {access_token, refresh_token,
    expires_at (ms since the epoch)}. A fresh one per browser context: the refresh token
    rotates, and a context that spent it would leave the next one a revoked token."""
    with httpx.Client(base_url=service_url, timeout=30) as http:
        answer = http.post("/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return {
        "access_token": body["access_token"],
        "refresh_token": body["refresh_token"],
        "expires_at": int(time.time() * 1000) + body["expires_in"] * 1000,
    }


def storage_script(values: dict[str, Any]) -> str:
    """A script for `context.add_init_script`: these localStorage keys (JSON values as
    JSON, strings as they are) before any page script runs."""
    items = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    entries = json.dumps(items)
    return (
        f"try {{ for (const [k, v] of Object.entries({entries})) localStorage.setItem(k, v); }} "
        "catch (e) { /* about:blank has no storage */ }"
    )


def completed_job(
    service_url: str,
    token: str,
    text: str,
    *,
    filename: str = "talk.txt",
    mode: str = "dialogue",
    language: str = "en",
    timeout_s: float = 120,
) -> dict[str, Any]:
    """Upload `text` (the stub engine's transcript: `A: ...` lines are turns in dialogue
    mode), start a job on it and wait until it completed; returns the job."""
    headers = {"Authorization": f"Bearer {token}"}
    content = text.encode()
    with httpx.Client(base_url=service_url, timeout=60, headers=headers) as http:
        presigned = http.post(
            "/files/presign",
            json={"filename": filename, "size": len(content), "content_type": "text/plain"},
        )
        assert presigned.status_code == 201, presigned.text
        signed = presigned.json()
        put = httpx.request(
            signed["method"], signed["upload_url"], content=content, headers=signed["headers"]
        )
        assert put.status_code in (200, 201), put.text
        done = http.post("/files/complete", json={"object_key": signed["object_key"]})
        assert done.status_code == 200, done.text
        created = http.post(
            "/jobs",
            json={"object_key": signed["object_key"], "language": language, "mode": mode},
        )
        assert created.status_code == 201, created.text
        job_id = created.json()["id"]
        deadline = time.monotonic() + timeout_s
        while True:
            job = http.get(f"/jobs/{job_id}").json()
            if job["status"] == "completed":
                return job
            assert job["status"] in ("pending", "processing"), job
            assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
            time.sleep(0.2)


def silent_wav(path: Path, seconds: float, rate: int = 8000) -> Path:
    """A mono 16-bit WAV of silence: something a player can load and seek in."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
    return path


def give_recording(
    database_url: str, storage_dir: Path, job: dict[str, Any], media: Path, content_type: str
) -> None:
    """Make `media` the job's recording (local storage): its upload's bytes replaced and its
    type changed, so that GET /jobs/{id}/media signs something a player plays. The stub
    engine reads a text as the transcript, so a job of its has text for media; a job of a
    real engine has the recording and the transcript both."""
    (storage_dir / job["object_key"]).write_bytes(media.read_bytes())
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE uploads SET content_type = %s, size = %s WHERE object_key = %s",
            (content_type, media.stat().st_size, job["object_key"]),
        )

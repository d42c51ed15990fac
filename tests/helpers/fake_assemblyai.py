"""A fake AssemblyAI on loopback: the edge of the world, spoken to by the real SDK.

Implements what the SDK and our engine use: POST /v2/upload, POST /v2/transcript,
GET/DELETE /v2/transcript/{id}. Auth is the bare key in `Authorization`.

Results are predictable: audio whose bytes are UTF-8 text transcribes to that text; with
speaker_labels each `X: ...` line is an utterance by speaker X. Anything else gives
FALLBACK_TEXT. Tests steer it through the object's methods (faults, holds, errors) and
read its counters.
"""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar, Request, Response, delete, get, post
from litestar.params import FromPath

from tests.helpers.server import free_port, serve

FALLBACK_TEXT = "this is what the fake heard"
_TURN = re.compile(r"^([A-Z])\s*:\s*(.*)$")
_LANG_MARK = re.compile(r"^\[lang=([a-z]{2})\]\s*")


@dataclass
class Fault:
    path_prefix: str
    method: str
    status: int | None = None  # answer this status
    delay_s: float = 0.0  # or sleep this long first
    remaining: int = 1
    body: str | None = None  # answer this text (not JSON) instead of an error object


@dataclass
class FakeTranscript:
    id: str
    audio: bytes
    request: dict[str, Any]
    polls: int = 0
    held: bool = False
    error: str | None = None
    deleted: bool = False


@dataclass
class FakeAssemblyAI:
    api_key: str
    base_url: str = ""
    uploads: dict[str, bytes] = field(default_factory=dict)
    transcripts: dict[str, FakeTranscript] = field(default_factory=dict)
    requests: Counter = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)
    hold_new: bool = False
    next_error: str | None = None
    polls_until_done: int = 2
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- steering, for tests -------------------------------------------------------
    def fail_next(
        self, method: str, path_prefix: str, status: int, times: int = 1, body: str | None = None
    ) -> None:
        """The next `times` matching requests get `status` (with `body` as text/html if given)."""
        with self._lock:
            self.faults.append(
                Fault(path_prefix, method, status=status, remaining=times, body=body)
            )

    def delay_next(self, method: str, path_prefix: str, seconds: float, times: int = 1) -> None:
        with self._lock:
            self.faults.append(Fault(path_prefix, method, delay_s=seconds, remaining=times))

    def error_next_transcript(self, message: str) -> None:
        self.next_error = message

    def release(self, transcript_id: str) -> None:
        self.transcripts[transcript_id].held = False

    def release_all(self) -> None:
        self.hold_new = False
        for transcript in self.transcripts.values():
            transcript.held = False

    @property
    def created(self) -> int:
        """Transcripts accepted (refused or failed creation requests do not count)."""
        return len(self.transcripts)

    @property
    def uploaded(self) -> int:
        return len(self.uploads)

    # -- behaviour -----------------------------------------------------------------
    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if (
                    fault.method == method
                    and path.startswith(fault.path_prefix)
                    and fault.remaining > 0
                ):
                    fault.remaining -= 1
                    return fault
        return None

    def transcript_json(self, transcript: FakeTranscript) -> dict[str, Any]:
        status = "queued"
        if transcript.polls >= 1:
            status = "processing"
        if transcript.polls >= self.polls_until_done and not transcript.held:
            status = "error" if transcript.error else "completed"
        body: dict[str, Any] = {
            "id": transcript.id,
            "status": status,
            "audio_url": transcript.request.get("audio_url"),
            "text": None,
            "utterances": None,
            "words": None,
            "error": transcript.error if status == "error" else None,
            "language_code": transcript.request.get("language_code"),
            "audio_duration": None,
        }
        if status == "completed":
            body.update(self._recognise(transcript))
        return body

    def _recognise(self, transcript: FakeTranscript) -> dict[str, Any]:
        try:
            text = transcript.audio.decode("utf-8").strip()
        except UnicodeDecodeError:
            text = FALLBACK_TEXT
        language = transcript.request.get("language_code")
        marker = _LANG_MARK.match(text)
        if marker:
            text = text[marker.end() :]
        if transcript.request.get("language_detection"):
            language = marker.group(1) if marker else "en"
        result: dict[str, Any] = {
            "language_code": language,
            "audio_duration": max(1, len(transcript.audio) // 1000),
        }
        if transcript.request.get("speaker_labels"):
            utterances = []
            start = 0
            for line in filter(None, (raw.strip() for raw in text.splitlines())):
                turn = _TURN.match(line)
                speaker, said = (turn.group(1), turn.group(2)) if turn else ("A", line)
                utterances.append(
                    {
                        "speaker": speaker,
                        "text": said,
                        "start": start,
                        "end": start + 900,
                        "confidence": 0.9,
                        "words": [],
                    }
                )
                start += 1000
            result["utterances"] = utterances
            result["text"] = " ".join(u["text"] for u in utterances)
        else:
            result["text"] = " ".join(text.split())
        return result


def _app(fake: FakeAssemblyAI) -> Litestar:
    async def guard(request: Request) -> Response | None:
        key = f"{request.method} {request.url.path}"
        route = "POST /v2/transcript" if key == "POST /v2/transcript" else key
        if request.url.path.startswith("/v2/transcript/"):
            route = f"{request.method} /v2/transcript/{{id}}"
        fake.requests[route] += 1
        if request.headers.get("authorization") != fake.api_key:
            return Response(
                {"error": "Authentication error, API token missing/invalid"}, status_code=401
            )
        fault = fake._take_fault(request.method, request.url.path)
        if fault and fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        if fault and fault.status and fault.body is not None:
            return Response(fault.body, status_code=fault.status, media_type="text/html")
        if fault and fault.status:
            return Response({"error": f"injected failure {fault.status}"}, status_code=fault.status)
        return None

    @post("/v2/upload", status_code=200)
    async def upload(request: Request) -> Response:
        if (refused := await guard(request)) is not None:
            return refused
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
        upload_id = uuid.uuid4().hex
        fake.uploads[upload_id] = bytes(body)
        return Response({"upload_url": f"{fake.base_url}/uploaded/{upload_id}"})

    @post("/v2/transcript", status_code=200)
    async def create(request: Request) -> Response:
        if (refused := await guard(request)) is not None:
            return refused
        payload = await request.json()
        audio_url = payload.get("audio_url", "")
        if audio_url.startswith(f"{fake.base_url}/uploaded/"):
            audio = fake.uploads.get(audio_url.rsplit("/", 1)[1])
            if audio is None:
                return Response({"error": "unknown upload"}, status_code=400)
        else:  # a real fetch, as AssemblyAI would do with a presigned URL
            async with httpx.AsyncClient(timeout=30) as http:
                fetched = await http.get(audio_url)
            if fetched.status_code != 200:
                return Response(
                    {"error": f"Download error: {fetched.status_code}"}, status_code=400
                )
            audio = fetched.content
        transcript = FakeTranscript(
            id=str(uuid.uuid4()),
            audio=audio,
            request=payload,
            held=fake.hold_new,
            error=fake.next_error,
        )
        fake.next_error = None
        fake.transcripts[transcript.id] = transcript
        return Response(fake.transcript_json(transcript))

    @get("/v2/transcript/{transcript_id:str}")
    async def fetch(request: Request, transcript_id: FromPath[str]) -> Response:
        if (refused := await guard(request)) is not None:
            return refused
        transcript = fake.transcripts.get(transcript_id)
        if transcript is None or transcript.deleted:
            return Response({"error": "Transcript not found"}, status_code=404)
        transcript.polls += 1
        return Response(fake.transcript_json(transcript))

    @delete("/v2/transcript/{transcript_id:str}", status_code=200)
    async def remove(request: Request, transcript_id: FromPath[str]) -> Response:
        if (refused := await guard(request)) is not None:
            return refused
        transcript = fake.transcripts.get(transcript_id)
        if transcript is None:
            return Response({"error": "Transcript not found"}, status_code=404)
        transcript.deleted = True
        return Response({**fake.transcript_json(transcript), "text": None})

    return Litestar([upload, create, fetch, remove], debug=False, request_max_body_size=None)


@contextmanager
def run_fake_assemblyai(api_key: str = "fake-assemblyai-key") -> Iterator[FakeAssemblyAI]:
    fake = FakeAssemblyAI(api_key=api_key)
    port = free_port()
    fake.base_url = f"http://127.0.0.1:{port}"
    with serve(_app(fake), port=port):
        yield fake

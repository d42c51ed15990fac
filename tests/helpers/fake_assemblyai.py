"""A fake AssemblyAI on loopback: the edge of the world, spoken to by the real SDK.

Implements what the SDK and our engine use: POST /v2/upload, POST /v2/transcript,
GET /v2/transcript (the list, newest first), GET/DELETE /v2/transcript/{id}. Auth is the
bare key in `Authorization`.

Results are predictable: audio whose bytes are UTF-8 text transcribes to that text; with
speaker_labels each `X: ...` line is an utterance by speaker X; with language_detection a
leading `[lang=de]` (or `[lang=de 0.42]`, with the detection's confidence) is what is
found. Anything else gives FALLBACK_TEXT. A transcript is done after `polls_until_done` status requests, or, with
`complete_after_s` set, that long after its creation whatever the polls; then, if it was
submitted with `webhook_url`, the fake calls that URL with the auth header it was given,
as AssemblyAI does (unless `drop_webhooks`). Tests steer it through the object's methods
(faults, holds, errors) and read its counters.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from litestar import Litestar, Request, Response, delete, get, post
from litestar.params import FromPath

from tests.helpers.server import free_port, serve

FALLBACK_TEXT = "this is what the fake heard"
_WORKING = ("queued", "processing")
WEBHOOK_ATTEMPTS = 3
_TURN = re.compile(r"^([A-Z])\s*:\s*(.*)$")
# `[lang=de]` or `[lang=de 0.42]` before the text: what detection finds, and how sure it is.
_LANG_MARK = re.compile(r"^\[lang=([a-z]{2})(?: (0(?:\.\d+)?|1(?:\.0+)?))?\]\s*")
DETECTION_CONFIDENCE = 0.97  # when the marker names none


@dataclass
class Fault:
    path_prefix: str
    method: str
    status: int | None = None  # answer this status
    delay_s: float = 0.0  # or sleep this long first
    remaining: int = 1
    body: str | None = None  # answer this text (not JSON) instead of an error object
    after_accept: bool = False  # create the transcript first, then stall (a lost answer)


@dataclass
class FakeTranscript:
    id: str
    audio: bytes
    request: dict[str, Any]
    polls: int = 0
    held: bool = False
    error: str | None = None
    deleted: bool = False
    created_at: float = field(default_factory=time.time)
    done: bool = False  # completed by time or release, whatever the polls


@dataclass
class FakeAssemblyAI:
    api_key: str
    base_url: str = ""
    uploads: dict[str, bytes] = field(default_factory=dict)
    transcripts: dict[str, FakeTranscript] = field(default_factory=dict)
    requests: Counter = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)
    hold_new: bool = False
    # The error the next transcript of this audio ends in (keyed by the audio, not "the next
    # transcript", so that another job's submission in between cannot take it).
    errors: dict[bytes, str] = field(default_factory=dict)
    polls_until_done: int = 2
    complete_after_s: float | None = None
    drop_webhooks: bool = False
    webhooks_sent: list[tuple[str, int]] = field(default_factory=list)  # (transcript id, status)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _tasks: set = field(default_factory=set)
    _http: httpx.AsyncClient | None = None

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

    def accept_then_drop_next(self, seconds: float) -> None:
        """The next transcript is created, then its answer stalls `seconds` (past the
        client's timeout): the provider has the job, the client never hears so."""
        with self._lock:
            self.faults.append(Fault("/v2/transcript", "POST", delay_s=seconds, after_accept=True))

    def error_transcript_of(self, audio: bytes, message: str) -> None:
        self.errors[audio] = message

    def release(self, transcript_id: str) -> None:
        transcript = self.transcripts[transcript_id]
        transcript.held = False
        if transcript.request.get("webhook_url"):
            self._finish_soon(transcript, 0)

    def release_all(self) -> None:
        self.hold_new = False
        for transcript in list(self.transcripts.values()):
            if transcript.held:
                self.release(transcript.id)

    def in_flight(self) -> int:
        """Transcripts accepted and not yet done, as the provider counts them now."""
        return sum(1 for t in list(self.transcripts.values()) if self._status(t) in _WORKING)

    @property
    def created(self) -> int:
        """Transcripts accepted (refused or failed creation requests do not count)."""
        return len(self.transcripts)

    @property
    def uploaded(self) -> int:
        return len(self.uploads)

    # -- behaviour -----------------------------------------------------------------
    def _take_fault(self, method: str, path: str, after_accept: bool = False) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if (
                    fault.method == method
                    and path.startswith(fault.path_prefix)
                    and fault.remaining > 0
                    and fault.after_accept == after_accept
                ):
                    fault.remaining -= 1
                    return fault
        return None

    def _status(self, transcript: FakeTranscript) -> str:
        finished = "error" if transcript.error else "completed"
        if transcript.done:
            return finished
        if self.complete_after_s is not None:
            due = time.time() >= transcript.created_at + self.complete_after_s
            return finished if due and not transcript.held else "processing"
        if transcript.polls >= self.polls_until_done and not transcript.held:
            return finished
        return "processing" if transcript.polls >= 1 else "queued"

    # -- webhooks, as AssemblyAI sends them ----------------------------------------
    def _finish_soon(self, transcript: FakeTranscript, delay_s: float) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._schedule_webhook, transcript, delay_s)

    def _schedule_webhook(self, transcript: FakeTranscript, delay_s: float) -> None:
        task = asyncio.ensure_future(self._webhook_after(transcript, delay_s))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _webhook_after(self, transcript: FakeTranscript, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        if transcript.held or transcript.deleted:
            return
        transcript.done = True
        if self.drop_webhooks:
            return
        request = transcript.request
        headers = {}
        if request.get("webhook_auth_header_name"):
            headers[request["webhook_auth_header_name"]] = request["webhook_auth_header_value"]
        body = {"transcript_id": transcript.id, "status": self._status(transcript)}
        if self._http is None:  # one pool for every webhook, as a real sender would have
            self._http = httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=50))
        answer = 0
        for attempt in range(WEBHOOK_ATTEMPTS):  # AssemblyAI retries failed deliveries too
            try:
                answer = (
                    await self._http.post(request["webhook_url"], json=body, headers=headers)
                ).status_code
            except httpx.HTTPError:
                answer = 0
            if 200 <= answer < 300:
                break
            await asyncio.sleep(0.5 * (attempt + 1))
        self.webhooks_sent.append((transcript.id, answer))

    def transcript_json(self, transcript: FakeTranscript) -> dict[str, Any]:
        status = self._status(transcript)
        body: dict[str, Any] = {
            "id": transcript.id,
            "status": status,
            "audio_url": transcript.request.get("audio_url"),
            "text": None,
            "utterances": None,
            "words": None,
            "error": transcript.error if status == "error" else None,
            "language_code": transcript.request.get("language_code"),
            "language_confidence": None,
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
        confidence = None
        if transcript.request.get("language_detection"):
            language = marker.group(1) if marker else "en"
            given = marker.group(2) if marker else None
            confidence = float(given) if given else DETECTION_CONFIDENCE
        result: dict[str, Any] = {
            "language_code": language,
            "language_confidence": confidence,
            "audio_duration": max(1, len(transcript.audio) // 1000),
        }
        if transcript.request.get("speaker_labels"):
            utterances = []
            words = []
            start = 0
            for line in filter(None, (raw.strip() for raw in text.splitlines())):
                turn = _TURN.match(line)
                speaker, said = (turn.group(1), turn.group(2)) if turn else ("A", line)
                said_words = _words(said, start, speaker)
                utterances.append(
                    {
                        "speaker": speaker,
                        "text": said,
                        "start": start,
                        "end": said_words[-1]["end"] if said_words else start + 900,
                        "confidence": 0.9,
                        "words": said_words,
                    }
                )
                words += said_words
                start = max(start + 1000, said_words[-1]["end"] + 200 if said_words else 0)
            result["utterances"] = utterances
            result["words"] = words
            result["text"] = " ".join(u["text"] for u in utterances)
        else:
            result["text"] = " ".join(text.split())
            result["words"] = _words(result["text"], 0, None)
        return result


def _words(text: str, start_ms: int, speaker: str | None) -> list[dict[str, Any]]:
    """Word timings as the provider gives them: 300 ms a word, in order."""
    return [
        {
            "text": word,
            "start": start_ms + 300 * i,
            "end": start_ms + 300 * i + 250,
            "confidence": 0.95,
            "speaker": speaker,
        }
        for i, word in enumerate(text.split())
    ]


def _app(fake: FakeAssemblyAI) -> Litestar:
    async def guard(request: Request) -> Response | None:
        route = f"{request.method} {request.url.path}"
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
            error=fake.errors.pop(audio, None),
        )
        fake.transcripts[transcript.id] = transcript
        if payload.get("webhook_url") and not transcript.held:
            fake._finish_soon(transcript, fake.complete_after_s or 0.2)
        stall = fake._take_fault("POST", "/v2/transcript", after_accept=True)
        if stall:
            await asyncio.sleep(stall.delay_s)
        return Response(fake.transcript_json(transcript))

    @get("/v2/transcript")
    async def listing(request: Request) -> Response:
        if (refused := await guard(request)) is not None:
            return refused
        limit = int(request.query_params.get("limit", 10))
        before_id = request.query_params.get("before_id")
        newest_first = list(reversed(list(fake.transcripts.values())))
        if before_id:
            ids = [t.id for t in newest_first]
            newest_first = newest_first[ids.index(before_id) + 1 :] if before_id in ids else []
        page = newest_first[:limit]
        more = len(newest_first) > limit
        items = [
            {
                "id": t.id,
                "resource_url": f"{fake.base_url}/v2/transcript/{t.id}",
                "status": fake._status(t),
                "created": datetime.fromtimestamp(t.created_at, UTC).isoformat(),
                "completed": None,
                "audio_url": t.request.get("audio_url", ""),
                "error": None,
            }
            for t in page
        ]
        current = f"{fake.base_url}/v2/transcript?limit={limit}"
        return Response(
            {
                "page_details": {
                    "limit": limit,
                    "result_count": len(items),
                    "current_url": current,
                    "prev_url": f"{current}&before_id={page[-1].id}" if more else None,
                    "next_url": None,
                },
                "transcripts": items,
            }
        )

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

    async def remember_loop() -> None:
        fake._loop = asyncio.get_running_loop()  # webhooks are sent from the server's loop

    return Litestar(
        [upload, create, listing, fetch, remove],
        on_startup=[remember_loop],
        debug=False,
        request_max_body_size=None,
    )


@contextmanager
def run_fake_assemblyai(api_key: str = "fake-assemblyai-key") -> Iterator[FakeAssemblyAI]:
    fake = FakeAssemblyAI(api_key=api_key)
    port = free_port()
    fake.base_url = f"http://127.0.0.1:{port}"
    with serve(_app(fake), port=port):
        yield fake

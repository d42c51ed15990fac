"""The stub engine, for development and tests without a provider key.

A UTF-8 text upload is its own transcript (in dialogue mode, lines like `A: ...` or
`Speaker B: ...` are turns); any other media gets a transcript that says plainly that
no recognition ran. Nothing leaves the machine.
"""

from __future__ import annotations

import re
from datetime import datetime

from transcribe.engines.base import (
    EngineRequest,
    EngineResult,
    Finished,
    OnAudioUrl,
    PermanentEngineError,
    Utterance,
    Working,
)
from transcribe.engines.languages import SUPPORTED_LANGUAGES

MAX_TEXT_BYTES = 16 << 20  # a "transcript" bigger than this is not a text file anyone meant
# "A: ..." (one capital letter, as AssemblyAI labels speakers) or "Speaker B: ..."; a line
# like "Note: ..." stays ordinary text.
_TURN = re.compile(r"^(?:(?i:speaker)\s+([A-Za-z0-9]{1,3})|([A-Z]))\s*:\s*(.*)$")


class StubEngine:
    name = "stub"
    supported_languages = SUPPORTED_LANGUAGES

    async def start(
        self, request: EngineRequest, *, job_id: str, on_audio_url: OnAudioUrl
    ) -> Finished:
        return Finished(await self._transcribe(request))

    async def find_submission(self, audio_url: str, *, since: datetime) -> str | None:
        return None  # it submits nothing anywhere

    async def check(self, provider_job_id: str) -> Working | Finished:
        raise PermanentEngineError(
            "This job was sent to a transcription provider that this server no longer uses."
        )

    async def _transcribe(self, request: EngineRequest) -> EngineResult:
        text = await self._text_of(request)
        if text is None:
            text = (
                f"[No speech recognition ran for {request.audio.filename}: this server uses the "
                "stub engine. Set ASSEMBLYAI_API_KEY to transcribe real audio.]"
            )
            return EngineResult(
                text=text, utterances=[Utterance("A", text)] if request.mode == "dialogue" else None
            )
        if request.mode != "dialogue":
            return EngineResult(text=text)
        utterances = [self._turn(line) for line in text.splitlines() if line.strip()]
        return EngineResult(text=" ".join(u.text for u in utterances), utterances=utterances)

    async def cancel(self, provider_job_id: str) -> None:
        return None

    @staticmethod
    async def _text_of(request: EngineRequest) -> str | None:
        audio = request.audio
        is_text = audio.content_type.startswith("text/plain") or audio.filename.lower().endswith(
            ".txt"
        )
        if not is_text or audio.size > MAX_TEXT_BYTES:
            return None
        data = bytearray()
        async for chunk in audio.open_stream():
            data += chunk
        try:
            return data.decode("utf-8").strip()
        except UnicodeDecodeError:
            return None

    @staticmethod
    def _turn(line: str) -> Utterance:
        match = _TURN.match(line.strip())
        if match:
            speaker = match.group(1) or match.group(2)
            return Utterance(speaker=speaker.upper(), text=match.group(3).strip())
        return Utterance(speaker="A", text=line.strip())

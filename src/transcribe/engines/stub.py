"""The stub engine, for development and tests without a provider key.

A UTF-8 text upload is its own transcript (in dialogue mode, lines like `A: ...` or
`Speaker B: ...` are turns); any other media gets a transcript that says plainly that
no recognition ran. Nothing leaves the machine. A text starting with `#crash-worker` ends
the worker process on the spot, as a file that crashes a real recogniser would (the poison
job that recovery must stop retrying); only this development engine does that.
"""

from __future__ import annotations

import dataclasses
import os
import re

from transcribe.engines.base import (
    EngineRequest,
    EngineResult,
    Finished,
    OnAudioUrl,
    OnProgress,
    Utterance,
    Word,
    WorksHere,
)
from transcribe.engines.languages import SUPPORTED_LANGUAGES

CRASH_WORKER = "#crash-worker"
MAX_TEXT_BYTES = 16 << 20  # a "transcript" bigger than this is not a text file anyone meant
# "A: ..." (one capital letter, as AssemblyAI labels speakers) or "Speaker B: ..."; a line
# like "Note: ..." stays ordinary text.
_TURN = re.compile(r"^(?:(?i:speaker)\s+([A-Za-z0-9]{1,3})|([A-Z]))\s*:\s*(.*)$")


class StubEngine(WorksHere):
    name = "stub"
    supported_languages = SUPPORTED_LANGUAGES
    diarization = True  # `A: ...` lines are turns

    async def start(
        self,
        request: EngineRequest,
        *,
        job_id: str,
        on_audio_url: OnAudioUrl,
        on_progress: OnProgress | None = None,
    ) -> Finished:
        return Finished(await self._transcribe(request))

    async def _transcribe(self, request: EngineRequest) -> EngineResult:
        text = await self._text_of(request)
        if text is not None and text.startswith(CRASH_WORKER):
            os._exit(70)  # no cleanup, like a segfault or the OOM killer
        if text is None:
            text = (
                f"[No speech recognition ran for {request.audio.filename}: this server uses the "
                "stub engine. Set ASSEMBLYAI_API_KEY to transcribe real audio.]"
            )
            turns = [Utterance("A", text)]
        elif request.mode == "dialogue":
            turns = [self._turn(line) for line in text.splitlines() if line.strip()]
        else:
            return dataclasses.replace(_timed([Utterance("A", text)], dialogue=False), text=text)
        return _timed(turns, dialogue=request.mode == "dialogue")

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


# Synthetic timings, so that every format works without audio: a steady reading pace.
_MS_PER_CHAR = 60
_MS_PER_WORD = 100
_GAP_MS = 80
_TURN_GAP_MS = 400


def _timed(turns: list[Utterance], *, dialogue: bool) -> EngineResult:
    """Words and turns with made-up but consistent times (in order, never overlapping)."""
    words: list[Word] = []
    timed_turns: list[Utterance] = []
    cursor = 0
    for turn in turns:
        start = cursor
        for token in turn.text.split():
            end = cursor + _MS_PER_WORD + _MS_PER_CHAR * len(token)
            words.append(Word(token, cursor, end, 1.0, turn.speaker if dialogue else None))
            cursor = end + _GAP_MS
        timed_turns.append(Utterance(turn.speaker, turn.text, start, max(start, cursor - _GAP_MS)))
        cursor += _TURN_GAP_MS
    return EngineResult(
        text=" ".join(turn.text for turn in turns if turn.text),
        utterances=timed_turns if dialogue else None,
        words=words,
    )

"""Subtitle cues from a transcript, by ordinary caption rules.

Cues are in time order and never overlap; each holds at most 2 lines of at most 42
characters (characters, not bytes: Cyrillic counts like Latin) and lasts at most 7 seconds.
A new cue starts at every change of speaker and, where the cue is not tiny, after the end
of a sentence. In dialogue mode each cue starts with the speaker (`Speaker A:` or the name).

Timings come from the words where the engine gave them; otherwise from the utterances
(their span shared among their words by length), otherwise from the audio's duration (or
a reading pace) spread over the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from transcribe.domain.transcripts.document import TranscriptDocument, speaker_label

MAX_LINE_CHARS = 42
MAX_LINES = 2
MAX_CUE_MS = 7000
MIN_CUE_MS = 800  # a short cue stays up this long, when the next one leaves room
MIN_SENTENCE_CUE_CHARS = 16  # "Yes." joins the next sentence rather than flash by alone
MAX_PREFIX_CHARS = 24
READING_MS_PER_CHAR = 60  # when nothing says how long the audio is
_SENTENCE_END = re.compile(r"[.!?…]['\"»”’)\]]*$")  # noqa: RUF001 - closing quotes


@dataclass(frozen=True)
class Token:
    text: str
    start_ms: int
    end_ms: int
    speaker: str | None


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    lines: list[str]


def cues(document: TranscriptDocument, names: dict[str, str]) -> list[Cue]:
    dialogue = bool(document.utterances)
    groups = _group(_pieces(tokens(document)), names if dialogue else None)
    return _timed(groups, names if dialogue else None)


# -- where the times come from ------------------------------------------------------------
def tokens(document: TranscriptDocument) -> list[Token]:
    dialogue = bool(document.utterances)
    words = document.words
    if words and all(
        w.start_ms is not None and w.end_ms is not None and (w.speaker or not dialogue)
        for w in words
    ):
        return [Token(w.text, w.start_ms, w.end_ms, w.speaker) for w in words if w.text.strip()]  # type: ignore[arg-type]
    if dialogue:
        return _from_utterances(document)
    total_ms = (
        int(document.audio_duration_s * 1000)
        if document.audio_duration_s
        else READING_MS_PER_CHAR * len(document.text)
    )
    return _spread(document.text, 0, total_ms, None)


def _from_utterances(document: TranscriptDocument) -> list[Token]:
    result: list[Token] = []
    cursor = 0
    for u in document.utterances:
        start = u.start_ms if u.start_ms is not None else cursor
        start = max(start, cursor)
        end = u.end_ms if u.end_ms is not None else start + READING_MS_PER_CHAR * len(u.text)
        result += _spread(u.text, start, max(end, start), u.speaker)
        cursor = max(end, start)
    return result


def _spread(text: str, start_ms: int, end_ms: int, speaker: str | None) -> list[Token]:
    """Share a span among the words of `text` in proportion to their length."""
    words = text.split()
    total = sum(len(w) for w in words) or 1
    span = end_ms - start_ms
    result, done = [], 0
    for word in words:
        begin = start_ms + span * done // total
        done += len(word)
        result.append(Token(word, begin, start_ms + span * done // total, speaker))
    return result


def _pieces(tokens: list[Token]) -> list[Token]:
    """Words longer than a line are cut into line-sized pieces, sharing the word's time."""
    result: list[Token] = []
    for token in tokens:
        if len(token.text) <= MAX_LINE_CHARS:
            result.append(token)
            continue
        chunks = [
            token.text[i : i + MAX_LINE_CHARS] for i in range(0, len(token.text), MAX_LINE_CHARS)
        ]
        result += _spread(" ".join(chunks), token.start_ms, token.end_ms, token.speaker)
    return result


# -- cues ---------------------------------------------------------------------------------
def _prefix(speaker: str | None, names: dict[str, str] | None) -> str:
    if names is None:
        return ""
    label = speaker_label(speaker or "?", names)
    if len(label) > MAX_PREFIX_CHARS:
        label = label[: MAX_PREFIX_CHARS - 1].rstrip() + "…"
    return f"{label}:"


def wrap(words: list[str], width: int = MAX_LINE_CHARS) -> list[str]:
    """Greedy line filling; every word must fit a line on its own."""
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _fits(words: list[str]) -> bool:
    return len(wrap(words)) <= MAX_LINES


def _group(
    tokens: list[Token], names: dict[str, str] | None
) -> list[tuple[list[Token], list[str]]]:
    """Tokens per cue, with the cue's lines."""
    groups: list[tuple[list[Token], list[str]]] = []
    current: list[Token] = []

    def words_of(group: list[Token]) -> list[str]:
        prefix = _prefix(group[0].speaker, names)
        return prefix.split() + [t.text for t in group]

    for token in tokens:
        if current:
            text_chars = sum(len(t.text) + 1 for t in current)
            new_cue = (
                (names is not None and token.speaker != current[0].speaker)
                or not _fits(words_of([*current, token]))
                or token.end_ms - current[0].start_ms > MAX_CUE_MS
                or (
                    _SENTENCE_END.search(current[-1].text) is not None
                    and text_chars >= MIN_SENTENCE_CUE_CHARS
                )
            )
            if new_cue:
                groups.append((current, wrap(words_of(current))))
                current = []
        current.append(token)
    if current:
        groups.append((current, wrap(words_of(current))))
    return groups


def _timed(groups: list[tuple[list[Token], list[str]]], names: dict[str, str] | None) -> list[Cue]:
    starts: list[int] = []
    for group, _ in groups:
        starts.append(max(group[0].start_ms, starts[-1] if starts else 0))
    result = []
    for i, (group, lines) in enumerate(groups):
        start = starts[i]
        end = min(max(group[-1].end_ms, start + MIN_CUE_MS), start + MAX_CUE_MS)
        if i + 1 < len(starts):
            end = min(end, starts[i + 1])
        result.append(Cue(start, max(end, start), lines))
    return result


# -- formats ------------------------------------------------------------------------------
def _clock(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _safe(line: str) -> str:
    return line.replace("-->", "→")  # the one sequence that would end a cue's text


def render_srt(cue_list: list[Cue]) -> str:
    blocks = [
        f"{n}\n{_clock(c.start_ms, ',')} --> {_clock(c.end_ms, ',')}\n"
        + "\n".join(_safe(line) for line in c.lines)
        for n, c in enumerate(cue_list, start=1)
    ]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _vtt_text(line: str) -> str:
    return _safe(line).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(cue_list: list[Cue]) -> str:
    blocks = [
        f"{_clock(c.start_ms, '.')} --> {_clock(c.end_ms, '.')}\n"
        + "\n".join(_vtt_text(line) for line in c.lines)
        for c in cue_list
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + ("\n" if blocks else "")

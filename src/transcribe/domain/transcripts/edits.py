"""A user's edits to a transcript: pure functions from a document and its edits to the next
revision of it (no I/O; the routes store the result).

Words an edit keeps keep their timings: the old and new words of each range are aligned
(difflib), so correcting one word of a sentence moves no other word. New words share the
time of the words they replace, in proportion to their length; inserted words take the gap
between their neighbours (zero-length at the neighbour when there is no gap or no neighbour
on one side). New words have no confidence. The utterances and the text are then rebuilt
from the words, as the engines form them: the words joined by spaces; in `dialogue` mode,
an utterance for each run of words of one speaker.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher
from itertools import accumulate, pairwise

import msgspec

from transcribe.domain.transcripts.document import TranscriptDocument, Utterance, Word
from transcribe.domain.transcripts.schemas import (
    MAX_EDIT_CHARS,
    MAX_EDITS,
    SPEAKER_LABEL,
    TranscriptEdit,
)
from transcribe.lib.errors import InvalidInput

MAX_WORDS = 250_000  # 10 hours of speech is about 100,000 words
# Aligning a range costs about (its old words x its new words). Past this much work in one
# request, a range is replaced whole (its new words share its time): the same result for an
# editor's corrections, a bounded time for a pasted book.
ALIGN_BUDGET = 4_000_000
DEFAULT_SPEAKER = "A"

_Opcode = tuple[str, int, int, int, int]


def apply_edits(
    document: TranscriptDocument, edits: Sequence[TranscriptEdit], *, dialogue: bool
) -> TranscriptDocument:
    """The next revision of `document`, or InvalidInput (400) saying which edit is wrong."""
    check_edits(document, edits, dialogue=dialogue)
    words = list(document.words)
    budget = ALIGN_BUDGET
    # Right to left, so that the indices of the edits still to apply stay valid.
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        old = words[edit.start : edit.end]
        new = old
        if edit.text is not None:
            tokens = edit.text.split()
            work = len(old) * len(tokens)
            if work <= budget:
                opcodes = _aligned(old, tokens)
                budget -= work
            else:
                opcodes = _whole(len(old), len(tokens))
            new = _respelled(words, edit.start, edit.end, tokens, opcodes, dialogue=dialogue)
        if edit.speaker is not None:
            new = [msgspec.structs.replace(w, speaker=edit.speaker) for w in new]
        words[edit.start : edit.end] = new
    if len(words) > max(MAX_WORDS, len(document.words)):
        raise InvalidInput(detail=f"A transcript may have at most {MAX_WORDS} words")
    return rebuilt(document, words, dialogue=dialogue, revision=document.revision + 1)


def check_edits(
    document: TranscriptDocument, edits: Sequence[TranscriptEdit], *, dialogue: bool
) -> None:
    """InvalidInput for the first thing wrong with `edits` on `document`."""
    count = len(document.words)
    if not edits:
        raise InvalidInput(detail="Give at least one edit")
    if len(edits) > MAX_EDITS:
        raise InvalidInput(detail=f"At most {MAX_EDITS} edits in one request")
    if count == 0 and document.text.strip():
        raise InvalidInput(
            detail="This transcript was made before words were kept: no words to edit"
        )
    for i, edit in enumerate(edits):
        where = f"edits[{i}]"
        if not 0 <= edit.start <= edit.end <= count:
            raise InvalidInput(
                detail=f"{where}: {edit.start}..{edit.end} is not a range of the {count} "
                f"words (0 <= start <= end <= {count})"
            )
        if edit.text is None and edit.speaker is None:
            raise InvalidInput(detail=f"{where}: give the new text, a speaker, or both")
        if edit.speaker is not None:
            if not dialogue:
                raise InvalidInput(
                    detail=f"{where}: this transcript is in mono mode, it has no speakers"
                )
            if not re.fullmatch(SPEAKER_LABEL, edit.speaker):
                raise InvalidInput(
                    detail=f"{where}: a speaker label is 1 to 3 capital letters or digits"
                )
            if edit.text is None and edit.start == edit.end:
                raise InvalidInput(detail=f"{where}: a speaker is given a range of words")
        if edit.text is not None:
            if len(edit.text) > MAX_EDIT_CHARS:
                raise InvalidInput(detail=f"{where}: at most {MAX_EDIT_CHARS} characters")
            bad = next((ch for ch in edit.text if _is_control(ch)), None)
            if bad is not None:
                raise InvalidInput(
                    detail=f"{where}: the text has a control character U+{ord(bad):04X}"
                )
    ordered = sorted(range(len(edits)), key=lambda i: (edits[i].start, edits[i].end))
    for a, b in pairwise(ordered):
        first, second = edits[a], edits[b]
        same_point = first.start == first.end == second.start == second.end
        if first.end > second.start or same_point:
            raise InvalidInput(detail=f"edits[{a}] and edits[{b}] overlap")


def rebuilt(
    document: TranscriptDocument, words: list[Word], *, dialogue: bool, revision: int
) -> TranscriptDocument:
    """`document` with `words`, and the text and utterances formed from them."""
    return msgspec.structs.replace(
        document,
        text=" ".join(w.text for w in words),
        utterances=utterances_of(words) if dialogue else [],
        words=words,
        revision=revision,
    )


def restored(recognised: TranscriptDocument, *, revision: int) -> TranscriptDocument:
    """The document as recognised, as revision `revision` (edits undone)."""
    return msgspec.structs.replace(recognised, revision=revision)


def utterances_of(words: Sequence[Word]) -> list[Utterance]:
    """A turn for each run of words of one speaker (a word without one stays in its turn)."""
    runs: list[tuple[str, list[Word]]] = []
    for word in words:
        speaker = word.speaker or (runs[-1][0] if runs else DEFAULT_SPEAKER)
        if runs and runs[-1][0] == speaker:
            runs[-1][1].append(word)
        else:
            runs.append((speaker, [word]))
    turns = []
    for speaker, run in runs:
        starts = [w.start_ms for w in run if w.start_ms is not None]
        ends = [w.end_ms for w in run if w.end_ms is not None]
        turns.append(
            Utterance(
                speaker,
                None,
                min(starts) if starts else None,
                max(ends) if ends else None,
                " ".join(w.text for w in run),
            )
        )
    return turns


def _is_control(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) in ("Cc", "Cs")


def _aligned(old: list[Word], tokens: list[str]) -> list[_Opcode]:
    matcher = SequenceMatcher(None, [w.text for w in old], tokens, autojunk=False)
    return matcher.get_opcodes()


def _whole(old_count: int, new_count: int) -> list[_Opcode]:
    if old_count and new_count:
        return [("replace", 0, old_count, 0, new_count)]
    if old_count:
        return [("delete", 0, old_count, 0, 0)]
    return [("insert", 0, 0, 0, new_count)] if new_count else []


def _respelled(
    words: list[Word],
    start: int,
    end: int,
    tokens: list[str],
    opcodes: list[_Opcode],
    *,
    dialogue: bool,
) -> list[Word]:
    """The new words of `words[start:end]`, spelled `tokens`, timed as the module says."""
    old = words[start:end]
    out: list[Word] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            out += old[i1:i2]
        elif tag == "replace":
            block = old[i1:i2]
            starts = [w.start_ms for w in block if w.start_ms is not None]
            ends = [w.end_ms for w in block if w.end_ms is not None]
            lo = min(starts or ends) if starts or ends else None
            hi = max(ends or starts) if starts or ends else None
            new = tokens[j1:j2]
            speakers = [block[k * len(block) // len(new)].speaker for k in range(len(new))]
            out += _spread(new, lo, hi, speakers)
        elif tag == "insert":
            before = out[-1] if out else (words[start - 1] if start > 0 else None)
            after = old[i2] if i2 < len(old) else (words[end] if end < len(words) else None)
            lo = before.end_ms if before else None
            hi = after.start_ms if after else None
            speaker = None
            if dialogue:
                speaker = next(
                    (w.speaker for w in (before, after) if w and w.speaker), DEFAULT_SPEAKER
                )
            new = tokens[j1:j2]
            out += _spread(new, lo, hi, [speaker] * len(new))
        # "delete": the old words go
    return out


def _spread(
    tokens: list[str], lo: int | None, hi: int | None, speakers: list[str | None]
) -> list[Word]:
    """New words sharing lo..hi in proportion to their length (all at the one known end when
    the other is unknown; untimed when both are)."""
    if lo is None and hi is None:
        return [Word(t, None, None, None, s) for t, s in zip(tokens, speakers, strict=True)]
    lo = hi if lo is None else lo
    hi = lo if hi is None else max(lo, hi)
    assert lo is not None and hi is not None
    lengths = [len(t) for t in tokens]
    total = sum(lengths)
    bounds = [lo + (hi - lo) * c // total for c in accumulate(lengths, initial=0)]
    return [
        Word(t, a, b, None, s)
        for t, (a, b), s in zip(tokens, pairwise(bounds), speakers, strict=True)
    ]

"""Property-based: any word sequence gives cues within the limits, in order, losing no word."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from transcribe.domain.transcripts.captions import (
    MAX_CUE_MS,
    MAX_LINE_CHARS,
    MAX_LINES,
    cues,
)
from transcribe.domain.transcripts.document import TranscriptDocument, Utterance, Word
from transcribe.lib.text import printable

word_text = st.text(
    alphabet=st.sampled_from("abcxyzАБВжщъ0123456789.,!?…'\"-—é"), min_size=1, max_size=60
)


@st.composite
def timed_words(draw: st.DrawFn, speakers: list[str | None]) -> list[Word]:
    count = draw(st.integers(min_value=1, max_value=80))
    words, cursor = [], draw(st.integers(min_value=0, max_value=10_000))
    for _ in range(count):
        cursor += draw(st.integers(min_value=0, max_value=3000))  # gaps, or none at all
        length = draw(st.integers(min_value=0, max_value=9000))  # even longer than a cue
        words.append(
            Word(draw(word_text), cursor, cursor + length, 0.9, draw(st.sampled_from(speakers)))
        )
        cursor += draw(st.integers(min_value=0, max_value=length))  # words may overlap
    return words


# Names as the API stores them: what speaker_names lets through (printable, one line).
names_strategy = st.dictionaries(
    st.sampled_from(["A", "B", "C"]),
    st.text(min_size=1, max_size=64).map(printable).filter(bool),
    max_size=3,
)


def check(document: TranscriptDocument, names: dict[str, str]) -> None:
    result = cues(document, names)
    assert result
    previous_end = 0
    for cue in result:
        assert previous_end <= cue.start_ms <= cue.end_ms
        assert cue.end_ms - cue.start_ms <= MAX_CUE_MS
        assert 1 <= len(cue.lines) <= MAX_LINES
        assert all(0 < len(line) <= MAX_LINE_CHARS for line in cue.lines)
        previous_end = cue.end_ms
    if not document.utterances:
        shown = "".join("".join(line.split()) for cue in result for line in cue.lines)
        assert shown == "".join("".join(w.text.split()) for w in document.words)


@settings(max_examples=300, deadline=None)
@given(words=timed_words([None]))
def test_mono_word_sequences(words: list[Word]) -> None:
    text = " ".join(w.text for w in words)
    check(TranscriptDocument(uuid.uuid4(), "en", None, text, [], words), {})


@settings(max_examples=300, deadline=None)
@given(words=timed_words(["A", "B", "C"]), names=names_strategy)
def test_dialogue_word_sequences(words: list[Word], names: dict[str, str]) -> None:
    utterances = [Utterance(w.speaker or "A", None, w.start_ms, w.end_ms, w.text) for w in words]
    document = TranscriptDocument(uuid.uuid4(), "en", None, "x", utterances, words)
    check(document, names)
    labels = {names.get(s) or f"Speaker {s}" for s in "ABC"}

    def opens_with_a_label(line: str) -> bool:  # a long name is shortened with an ellipsis
        return any(
            line.startswith(f"{label}:")
            or (line.split("…:", 1)[0] != line and label.startswith(line.split("…:", 1)[0]))
            for label in labels
        )

    for cue in cues(document, names):  # a speaker label opens every cue (whatever the name)
        assert opens_with_a_label(cue.lines[0]), cue.lines


@settings(max_examples=200, deadline=None)
@given(
    turns=st.lists(
        st.tuples(
            st.sampled_from(["A", "B"]),
            st.lists(word_text, min_size=1, max_size=30).map(" ".join),
            st.one_of(st.none(), st.integers(min_value=0, max_value=100_000)),
            st.integers(min_value=0, max_value=20_000),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_documents_without_word_timings(turns: list) -> None:
    utterances = [
        Utterance(speaker, None, start, None if start is None else start + length, text)
        for speaker, text, start, length in turns
    ]
    document = TranscriptDocument(uuid.uuid4(), "ru", None, "x", utterances, [])
    check(document, {})

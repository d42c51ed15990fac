"""Edits to a transcript's words: what is kept, how new words are timed, what is refused."""

from __future__ import annotations

import itertools
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transcribe.domain.transcripts.document import TranscriptDocument, Utterance, Word
from transcribe.domain.transcripts.edits import apply_edits, restored, utterances_of
from transcribe.domain.transcripts.schemas import TranscriptEdit
from transcribe.lib.errors import InvalidInput


def document(
    text: str, speakers: str | None = None, *, step: int = 500, gap: int = 100
) -> TranscriptDocument:
    """Words of `text`, each `step - gap` ms long with `gap` ms of silence after; the i-th
    word's speaker is `speakers[i]` (dialogue) or None (mono)."""
    words = [
        Word(t, i * step, i * step + step - gap, 0.9, speakers[i] if speakers else None)
        for i, t in enumerate(text.split())
    ]
    utterances = utterances_of(words) if speakers else []
    return TranscriptDocument(uuid.uuid4(), "en", 10.0, text, utterances, words)


def edit(start: int, end: int, text: str | None = None, speaker: str | None = None):
    return TranscriptEdit(start=start, end=end, text=text, speaker=speaker)


def timings(doc: TranscriptDocument) -> list[tuple[str, int | None, int | None]]:
    return [(w.text, w.start_ms, w.end_ms) for w in doc.words]


def test_a_one_word_correction_keeps_every_other_timing() -> None:
    doc = document("the colour of money")
    edited = apply_edits(doc, [edit(1, 2, "color")], dialogue=False)
    assert timings(edited) == [
        ("the", 0, 400),
        ("color", 500, 900),
        ("of", 1000, 1400),
        ("money", 1500, 1900),
    ]
    assert edited.words[0].confidence == 0.9 and edited.words[1].confidence is None
    assert edited.text == "the color of money"
    assert edited.revision == 1 and edited.utterances == []


def test_a_range_retyped_with_one_word_changed_moves_only_that_word() -> None:
    doc = document("we met at the lighthouse at noon")
    edited = apply_edits(doc, [edit(0, 7, "we met at the light house at noon")], dialogue=False)
    assert timings(edited)[:4] == timings(doc)[:4]
    assert timings(edited)[4:6] == [("light", 2000, 2200), ("house", 2200, 2400)]
    assert timings(edited)[6:] == timings(doc)[5:]


def test_an_insertion_takes_the_gap_between_its_neighbours() -> None:
    doc = document("one two three")
    edited = apply_edits(doc, [edit(1, 1, "and a")], dialogue=False)
    # "one" ends at 400, "two" starts at 500: "and" and "a" share 400..500 by length.
    assert timings(edited) == [
        ("one", 0, 400),
        ("and", 400, 475),
        ("a", 475, 500),
        ("two", 500, 900),
        ("three", 1000, 1400),
    ]


def test_an_insertion_without_a_gap_or_neighbour_is_zero_length_at_the_boundary() -> None:
    doc = document("one two", gap=0)
    assert timings(apply_edits(doc, [edit(1, 1, "x")], dialogue=False))[1] == ("x", 500, 500)
    assert timings(apply_edits(doc, [edit(0, 0, "so")], dialogue=False))[0] == ("so", 0, 0)
    assert timings(apply_edits(doc, [edit(2, 2, "end")], dialogue=False))[2] == (
        "end",
        1000,
        1000,
    )


def test_deletion_and_several_edits_in_one_request() -> None:
    doc = document("a b c d e f")
    edited = apply_edits(doc, [edit(4, 5, ""), edit(0, 1, "A"), edit(2, 2, "new")], dialogue=False)
    assert [w.text for w in edited.words] == ["A", "b", "new", "c", "d", "f"]
    assert edited.text == "A b new c d f"


def test_speaker_moves_rebuild_the_utterances() -> None:
    doc = document("hello there how are you", "AAABB")
    edited = apply_edits(doc, [edit(2, 3, speaker="B")], dialogue=True)
    assert [(u.speaker, u.text, u.start_ms, u.end_ms) for u in edited.utterances] == [
        ("A", "hello there", 0, 900),
        ("B", "how are you", 1000, 2400),
    ]
    assert timings(edited) == timings(doc)
    # A new label adds a speaker; text and speaker in one edit.
    edited = apply_edits(edited, [edit(0, 1, "Hi", speaker="C")], dialogue=True)
    assert [u.speaker for u in edited.utterances] == ["C", "A", "B"]
    assert edited.revision == 2


def test_words_inserted_in_dialogue_belong_to_the_speaker_before_them() -> None:
    doc = document("yes no", "AB")
    edited = apply_edits(doc, [edit(1, 1, "indeed")], dialogue=True)
    assert [w.speaker for w in edited.words] == ["A", "A", "B"]
    edited = apply_edits(doc, [edit(0, 0, "well")], dialogue=True)
    assert [w.speaker for w in edited.words] == ["A", "A", "B"]


def test_restored_is_the_recognised_document_at_a_new_revision() -> None:
    doc = document("a b")
    edited = apply_edits(doc, [edit(0, 2, "c")], dialogue=False)
    back = restored(doc, revision=edited.revision + 1)
    assert back.words == doc.words and back.text == doc.text and back.revision == 2


def test_untimed_words_stay_untimed() -> None:
    doc = document("a b c")
    doc.words[:] = [Word(w.text, None, None, None, None) for w in doc.words]
    edited = apply_edits(doc, [edit(1, 2, "x y"), edit(3, 3, "z")], dialogue=False)
    assert [(w.start_ms, w.end_ms) for w in edited.words] == [(None, None)] * 5


@pytest.mark.parametrize(
    ("edits", "dialogue", "message"),
    [
        ([edit(0, 4, "x")], False, "not a range"),
        ([edit(2, 1, "x")], False, "not a range"),
        ([edit(0, 1)], False, "give the new text"),
        ([edit(0, 1, speaker="B")], False, "mono"),
        ([edit(0, 1, speaker="bob")], True, "speaker label"),
        ([edit(1, 1, speaker="B")], True, "range of words"),
        ([edit(0, 2, "x"), edit(1, 3, "y")], False, "overlap"),
        ([edit(1, 1, "x"), edit(1, 1, "y")], False, "overlap"),
        ([edit(0, 1, "a\x07b")], False, "control character"),
        ([edit(0, 1, "x" * 10_001)], False, "at most"),
        ([], False, "at least one"),
    ],
)
def test_bad_edits_are_refused(edits: list, dialogue: bool, message: str) -> None:
    doc = document("a b c", "AAA" if dialogue else None)
    with pytest.raises(InvalidInput, match=message):
        apply_edits(doc, edits, dialogue=dialogue)


def test_an_insertion_next_to_a_replaced_range_is_not_an_overlap() -> None:
    doc = document("a b c")
    edited = apply_edits(doc, [edit(1, 2, "B"), edit(1, 1, "x"), edit(2, 2, "y")], dialogue=False)
    assert [w.text for w in edited.words] == ["a", "x", "B", "y", "c"]


def test_a_transcript_without_words_cannot_be_edited() -> None:
    doc = TranscriptDocument(uuid.uuid4(), "en", None, "old text", [], [])
    with pytest.raises(InvalidInput, match="no words"):
        apply_edits(doc, [edit(0, 0, "new")], dialogue=False)


# -- properties ----------------------------------------------------------------------------
tokens = st.text(alphabet="abcde", min_size=1, max_size=4)


@st.composite
def timed_documents(draw: st.DrawFn) -> TranscriptDocument:
    """In time order (each word within itself, no word before the end of the last), with
    gaps of any size, some of them none."""
    texts = draw(st.lists(tokens, min_size=1, max_size=30))
    words, cursor = [], 0
    for text in texts:
        start = cursor + draw(st.integers(0, 300))
        end = start + draw(st.integers(0, 800))
        words.append(Word(text, start, end, 0.5, draw(st.sampled_from("AB"))))
        cursor = end
    return TranscriptDocument(uuid.uuid4(), "en", None, "", utterances_of(words), words)


@st.composite
def edits_of(draw: st.DrawFn, doc: TranscriptDocument) -> list[TranscriptEdit]:
    """Non-overlapping edits: ranges between cuts, some of them made insertions at their start."""
    cuts = draw(st.lists(st.integers(0, len(doc.words)), max_size=8))
    edits = []
    for start, end in itertools.pairwise(sorted({0, *cuts})):
        if draw(st.booleans()):
            text = " ".join(draw(st.lists(tokens, max_size=5)))
            end = start if draw(st.booleans()) else end
            edits.append(edit(start, end, text, draw(st.sampled_from([None, "A", "C"]))))
    return edits


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_retyping_a_range_as_it_is_keeps_every_timing(data: st.DataObject) -> None:
    doc = data.draw(timed_documents())
    start = data.draw(st.integers(0, len(doc.words)))
    end = data.draw(st.integers(start, len(doc.words)))
    same = " ".join(w.text for w in doc.words[start:end])
    edited = apply_edits(doc, [edit(start, end, same)], dialogue=True)
    assert edited.words == doc.words
    assert edited.revision == doc.revision + 1


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_edits_keep_the_words_in_time_order(data: st.DataObject) -> None:
    doc = data.draw(timed_documents())
    edits = data.draw(edits_of(doc))
    if not edits:
        return
    edited = apply_edits(doc, edits, dialogue=True)
    for word in edited.words:
        assert word.start_ms is not None and word.end_ms is not None
        assert word.start_ms <= word.end_ms
    for a, b in itertools.pairwise(edited.words):
        assert a.end_ms <= b.start_ms, (a, b)
    assert edited.text == " ".join(w.text for w in edited.words)
    assert " ".join(u.text for u in edited.utterances) == edited.text
    assert all(a.speaker != b.speaker for a, b in itertools.pairwise(edited.utterances))
    # The words nobody touched are the same objects, timings and all.
    touched = set().union(*(range(e.start, e.end) for e in edits))
    kept = [w for i, w in enumerate(doc.words) if i not in touched]
    assert all(any(w is v for v in edited.words) for w in kept)


def test_utterances_of_words_without_speakers_join_the_turn_before() -> None:
    words = [Word("a", 0, 1, None, "B"), Word("b", 2, 3, None, None), Word("c", 4, 5, None, "A")]
    assert [(u.speaker, u.text) for u in utterances_of(words)] == [("B", "a b"), ("A", "c")]
    assert utterances_of([Word("x", None, None, None, None)]) == [
        Utterance("A", None, None, None, "x")
    ]


def test_past_the_alignment_budget_a_range_is_replaced_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from transcribe.domain.transcripts import edits

    doc = document("a b c d")
    retyped = [edit(0, 4, "a b x d")]
    assert timings(apply_edits(doc, retyped, dialogue=False))[0] == ("a", 0, 400)  # aligned
    monkeypatch.setattr(edits, "ALIGN_BUDGET", 15)
    # 4 x 4 is past 15: the four new words share 0..1900 by length, nothing is kept.
    assert timings(apply_edits(doc, retyped, dialogue=False)) == [
        ("a", 0, 475),
        ("b", 475, 950),
        ("x", 950, 1425),
        ("d", 1425, 1900),
    ]

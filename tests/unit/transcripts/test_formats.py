"""Every download format, read back by parsers nobody here wrote: `srt`, `webvtt-py`,
python-docx, msgspec. The caption rules are checked on what the parsers read."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import get_args

import docx
import msgspec
import pytest
import srt
import webvtt

from transcribe.domain.transcripts.captions import MAX_CUE_MS, MAX_LINE_CHARS, MAX_LINES
from transcribe.domain.transcripts.document import (
    TranscriptDocument,
    Utterance,
    Word,
    decode,
)
from transcribe.domain.transcripts.render import FORMATS, TranscriptFormat

ENGLISH = (
    "Good morning everyone. Thanks for joining the quarterly review. We have a lot to cover "
    "today, so let us start with the numbers from the last three months and then talk about "
    "hiring. Revenue grew by twelve percent! Costs stayed flat? Yes, they did."
)
RUSSIAN = (
    "Доброе утро всем. Спасибо, что пришли на квартальный обзор. Сегодня нам нужно обсудить "
    "многое, поэтому начнём с цифр за последние три месяца, а затем поговорим о найме. "
    "Выручка выросла на двенадцать процентов! Расходы не изменились? Да, не изменились."
)


def timed_words(
    text: str, speaker: str | None = None, start: int = 0, step: int = 350
) -> list[Word]:
    return [
        Word(w, start + i * step, start + i * step + step - 50, 0.9, speaker)
        for i, w in enumerate(text.split())
    ]


def mono(
    text: str, *, with_words: bool = True, duration: float | None = None
) -> TranscriptDocument:
    return TranscriptDocument(
        job_id=uuid.uuid4(),
        language="en",
        audio_duration_s=duration,
        text=text,
        utterances=[],
        words=timed_words(text) if with_words else [],
    )


def dialogue(turns: list[tuple[str, str]], *, with_words: bool = True) -> TranscriptDocument:
    utterances, words, cursor = [], [], 0
    for speaker, text in turns:
        said = timed_words(text, speaker, cursor)
        utterances.append(Utterance(speaker, None, cursor, said[-1].end_ms, text))
        words += said
        cursor = said[-1].end_ms + 500
    return TranscriptDocument(
        job_id=uuid.uuid4(),
        language="en",
        audio_duration_s=cursor / 1000,
        text=" ".join(t for _, t in turns),
        utterances=utterances,
        words=words if with_words else [],
    )


LONG_DIALOGUE = [("A", ENGLISH), ("B", "Sure."), ("A", ENGLISH), ("C", RUSSIAN), ("B", "OK")]
DOCUMENTS = {
    "mono-en": mono(ENGLISH),
    "mono-ru": mono(RUSSIAN),
    "mono-short": mono("Hi."),
    "mono-no-words": mono(ENGLISH, with_words=False, duration=40),
    "mono-no-words-no-duration": mono(RUSSIAN, with_words=False),
    "dialogue": dialogue(LONG_DIALOGUE),
    "dialogue-no-words": dialogue(LONG_DIALOGUE, with_words=False),
    "dialogue-short": dialogue([("A", "Hi."), ("B", "Hello!")]),
}
NAMES = {"A": "Alice", "B": "Борис Петрович Иванов-Длинноименный"}


def check_cue_rules(
    cues: list[tuple[timedelta, timedelta, str]], document: TranscriptDocument, names: dict
) -> None:
    assert cues, "no cues"
    previous_end = timedelta(0)
    for start, end, content in cues:
        assert previous_end <= start <= end, "cues out of order or overlapping"
        assert end - start <= timedelta(milliseconds=MAX_CUE_MS)
        lines = content.split("\n")
        assert 1 <= len(lines) <= MAX_LINES, lines
        assert all(0 < len(line) <= MAX_LINE_CHARS for line in lines), lines
        previous_end = end
    spoken = "".join(document.text.split())
    shown = "".join(c for _, _, text in cues for c in text.split())
    if document.utterances:
        labels = [names.get(u.speaker) or f"Speaker {u.speaker}" for u in document.utterances]
        for _, _, text in cues:
            assert any(text.startswith(label[:20]) for label in labels), text
    else:
        assert shown == spoken  # every word, in order, nothing else


@pytest.mark.parametrize("name", DOCUMENTS)
@pytest.mark.parametrize("names", [{}, NAMES])
def test_srt_parses_and_follows_the_caption_rules(name: str, names: dict) -> None:
    document = DOCUMENTS[name]
    parsed = list(srt.parse(FORMATS["srt"].render(document, names).decode()))
    check_cue_rules([(c.start, c.end, c.content) for c in parsed], document, names)
    assert [c.index for c in parsed] == list(range(1, len(parsed) + 1))


@pytest.mark.parametrize("name", DOCUMENTS)
@pytest.mark.parametrize("names", [{}, NAMES])
def test_vtt_parses_and_follows_the_caption_rules(name: str, names: dict) -> None:
    document = DOCUMENTS[name]
    parsed = webvtt.from_buffer(io.StringIO(FORMATS["vtt"].render(document, names).decode()))
    cues = [
        (
            timedelta(seconds=c.start_in_seconds, milliseconds=c.start_time.milliseconds),
            timedelta(seconds=c.end_in_seconds, milliseconds=c.end_time.milliseconds),
            c.text,
        )
        for c in parsed
    ]
    check_cue_rules(cues, document, names)


def test_a_new_cue_at_every_change_of_speaker_with_the_name() -> None:
    document = dialogue([("A", "One two three."), ("B", "Four."), ("A", "Five six.")])
    parsed = list(srt.parse(FORMATS["srt"].render(document, {"A": "Alice"}).decode()))
    assert [c.content for c in parsed] == [
        "Alice: One two three.",
        "Speaker B: Four.",
        "Alice: Five six.",
    ]


def test_sentences_start_new_cues_where_possible() -> None:
    document = mono("This is the first sentence here. And this is the second one.")
    parsed = list(srt.parse(FORMATS["srt"].render(document, {}).decode()))
    assert [c.content.replace("\n", " ") for c in parsed] == [
        "This is the first sentence here.",
        "And this is the second one.",
    ]


def test_cyrillic_lines_count_characters_not_bytes() -> None:
    parsed = list(srt.parse(FORMATS["srt"].render(mono(RUSSIAN), {}).decode()))
    longest = max(len(line) for c in parsed for line in c.content.split("\n"))
    assert MAX_LINE_CHARS - 12 <= longest <= MAX_LINE_CHARS  # lines are filled, by characters


def test_vtt_escapes_markup_and_arrows() -> None:
    document = mono("a <b> & c --> d")
    text = FORMATS["vtt"].render(document, {}).decode()
    assert "&lt;b&gt; &amp;" in text and "-->" not in text.split("\n", 3)[3]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_txt(name: str) -> None:
    document = DOCUMENTS[name]
    text = FORMATS["txt"].render(document, NAMES).decode()
    if document.utterances:
        assert text.splitlines()[0].startswith("Alice: ")
        assert len(text.splitlines()) == len(document.utterances)
    else:
        assert text == document.text + "\n"


def test_json_is_the_document_with_names() -> None:
    document = DOCUMENTS["dialogue"]
    read = decode(FORMATS["json"].render(document, NAMES))
    assert [u.speaker_name for u in read.utterances][:2] == ["Alice", NAMES["B"]]
    assert read.words == document.words and read.text == document.text
    raw = msgspec.json.decode(FORMATS["json"].render(document, NAMES))
    assert set(raw) == {
        "job_id",
        "language",
        "audio_duration_s",
        "text",
        "revision",
        "language_confidence",
        "utterances",
        "words",
    }


@pytest.mark.parametrize("name", DOCUMENTS)
def test_docx_opens_in_python_docx(name: str) -> None:
    document = DOCUMENTS[name]
    opened = docx.Document(io.BytesIO(FORMATS["docx"].render(document, NAMES)))
    paragraphs = [p.text for p in opened.paragraphs]
    if document.utterances:
        assert paragraphs[0].startswith("Alice: ") and len(paragraphs) == len(document.utterances)
        assert opened.paragraphs[0].runs[0].bold
    else:
        assert paragraphs == [document.text]


def test_the_documented_formats_are_the_rendered_ones() -> None:
    """The API's TranscriptFormat enum lists exactly the formats there is a renderer for."""
    assert list(get_args(TranscriptFormat)) == list(FORMATS)

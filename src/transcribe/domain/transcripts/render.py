"""Download formats: each a pure function of the document and the speaker names."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from docx import Document as WordDocument

from transcribe.domain.transcripts import captions
from transcribe.domain.transcripts.document import (
    TranscriptDocument,
    encode,
    speaker_label,
    with_names,
)


def render_txt(document: TranscriptDocument, names: dict[str, str]) -> bytes:
    """Mono: the text. Dialogue: one `Speaker A: ...` (or `Alice: ...`) line per utterance."""
    if document.utterances:
        lines = [
            f"{speaker_label(u.speaker, names)}: {u.text.strip()}" for u in document.utterances
        ]
        return ("\n".join(lines) + "\n").encode()
    text = document.text.strip()
    return (text + "\n" if text else "").encode()


def render_srt(document: TranscriptDocument, names: dict[str, str]) -> bytes:
    return captions.render_srt(captions.cues(document, names)).encode()


def render_vtt(document: TranscriptDocument, names: dict[str, str]) -> bytes:
    return captions.render_vtt(captions.cues(document, names)).encode()


def render_json(document: TranscriptDocument, names: dict[str, str]) -> bytes:
    return encode(with_names(document, names))


def render_docx(document: TranscriptDocument, names: dict[str, str]) -> bytes:
    """The TXT content as a Word document: a paragraph per utterance, the speaker in bold."""
    word = WordDocument()
    if document.utterances:
        for u in document.utterances:
            paragraph = word.add_paragraph()
            paragraph.add_run(f"{speaker_label(u.speaker, names)}: ").bold = True
            paragraph.add_run(_xml_safe(u.text.strip()))
    elif document.text.strip():
        word.add_paragraph(_xml_safe(document.text.strip()))
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _xml_safe(text: str) -> str:
    # Word's XML cannot hold most control characters; a transcript has no use for them.
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    render: Callable[[TranscriptDocument, dict[str, str]], bytes]


# The download formats, as the API documents them (a named enum, lib/openapi.py).
TranscriptFormat = Literal["txt", "srt", "vtt", "json", "docx"]

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("txt", "text/plain; charset=utf-8", render_txt),
        Format("srt", "application/x-subrip; charset=utf-8", render_srt),
        Format("vtt", "text/vtt; charset=utf-8", render_vtt),
        Format("json", "application/json", render_json),
        Format(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            render_docx,
        ),
    )
}

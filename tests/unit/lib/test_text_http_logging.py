"""The small pure helpers every response and log line goes through."""

from __future__ import annotations

from email.message import Message

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transcribe.lib.http import content_disposition
from transcribe.lib.logging import redact_secrets
from transcribe.lib.text import printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Alice", "Alice"),
        ("  Bob   the\tBuilder ", "Bob the Builder"),
        ("evil\x1b[31mred", "evil[31mred"),
        ("line\r\nbreak", "line break"),
        ("abc\u202egpj.exe", "abcgpj.exe"),  # right-to-left override
        ("zero\u200bwidth", "zerowidth"),
        ("Алиса", "Алиса"),
        ("\x00\x07", ""),
        ("a\u2028b", "a b"),  # a line separator is whitespace too
    ],
)
def test_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown


@given(st.text())
def test_printable_is_one_plain_line(raw: str) -> None:
    shown = printable(raw)
    assert shown == shown.strip() and "  " not in shown
    assert all(ch.isprintable() for ch in shown)
    assert printable(shown) == shown


def _parsed_filename(header: str) -> str:
    """The exact name (`filename*`, RFC 2231/6266), as the stdlib's parser reads it; the
    plain fallback is left out because that parser would prefer it."""
    message = Message()
    kind, _, params = header.partition(";")
    exact = [p for p in params.split(";") if p.strip().startswith("filename*=")]
    message["Content-Disposition"] = kind + ";" + exact[0]
    return message.get_filename()


@pytest.mark.parametrize(
    "name", ["talk.txt", "board meeting.srt", 'quote".txt', "Протокол встречи.docx", "日本.vtt"]
)
def test_content_disposition_names_the_file_exactly(name: str) -> None:
    header = content_disposition(name)
    assert header.startswith("attachment;")
    assert header.isascii()  # a header value must be
    assert _parsed_filename(header) == name  # RFC 2231/6266, read by the stdlib's parser


def test_content_disposition_has_a_plain_fallback() -> None:
    header = content_disposition("Протокол.txt")
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and fallback.endswith(".txt") and '"' not in fallback


@pytest.mark.parametrize(
    "key", ["password", "new_password", "Authorization", "api_key", "JWT_SECRET", "refresh_token"]
)
def test_values_under_secret_keys_are_redacted(key: str) -> None:
    assert redact_secrets(None, "info", {key: "hunter2", "event": "x"})[key] == "[redacted]"


def test_signatures_in_urls_are_redacted_and_the_rest_kept() -> None:
    event = {
        "url": "http://h/files/download/a.txt?expires=1&signature=abc123&x=1",
        "s3": "https://s/b/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=deadbeef",
        "path": "/jobs/1",
        "count": 3,
    }
    out = redact_secrets(None, "info", dict(event))
    assert out["url"] == "http://h/files/download/a.txt?expires=1&signature=[redacted]&x=1"
    assert "deadbeef" not in out["s3"] and "AKIA" not in out["s3"]
    assert out["path"] == "/jobs/1" and out["count"] == 3

from __future__ import annotations

import time
import uuid

import pytest

from transcribe.storage.keys import MAX_NAME, safe_filename, upload_key
from transcribe.storage.signing import UrlSigner


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("talk.mp3", "talk.mp3"),
        ("../../etc/passwd", "_._etc_passwd"),
        ("a/b\\c.wav", "a_b_c.wav"),
        ("..", "file"),
        ("", "file"),
        ("bad\x00name\n.ogg", "badname.ogg"),
        ("интервью 1.m4a", "интервью 1.m4a"),
        ("x;rm -rf $(y).mp3", "x_rm -rf _y_.mp3"),
    ],
)
def test_safe_filename(raw: str, expected: str) -> None:
    assert safe_filename(raw) == expected


def test_safe_filename_is_bounded_and_keeps_the_extension() -> None:
    name = safe_filename("a" * 500 + ".flac")
    assert len(name) <= MAX_NAME and name.endswith(".flac")


def test_upload_key_layout() -> None:
    user = uuid.uuid4()
    key = upload_key(user, "../My Talk.mp3")
    prefix, owner, unique, name = key.split("/")
    assert (prefix, owner, name) == ("uploads", str(user), "_My Talk.mp3")
    uuid.UUID(unique)


def test_signatures_bind_method_key_size_and_expiry() -> None:
    signer = UrlSigner("s" * 40, "http://api")
    expires = int(time.time()) + 60
    good = signer._signature("PUT", "k/a.wav", expires, 10)
    assert signer.is_valid("PUT", "k/a.wav", expires, good, 10)
    assert not signer.is_valid("GET", "k/a.wav", expires, good, 10)
    assert not signer.is_valid("PUT", "k/b.wav", expires, good, 10)
    assert not signer.is_valid("PUT", "k/a.wav", expires, good, 11)
    assert not signer.is_valid("PUT", "k/a.wav", expires + 1, good, 10)
    assert not UrlSigner("t" * 40, "http://api").is_valid("PUT", "k/a.wav", expires, good, 10)
    assert not signer.is_valid("PUT", "k/a.wav", expires, "ï¿½-not-hex-é", 10)
    past = int(time.time()) - 1
    assert not signer.is_valid(
        "PUT", "k/a.wav", past, signer._signature("PUT", "k/a.wav", past, 10), 10
    )

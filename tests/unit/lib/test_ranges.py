"""Range headers as RFC 9110 §14 reads them, for an object of 1000 bytes."""

from __future__ import annotations

import pytest

from transcribe.lib.ranges import Unsatisfiable, byte_range, content_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=10-19", (10, 19)),
        ("bytes=0-0", (0, 0)),
        ("bytes=990-", (990, 999)),
        ("bytes=900-5000", (900, 999)),  # clipped to the object
        ("bytes=-5", (995, 999)),
        ("bytes=-5000", (0, 999)),
        (" bytes = 1 - 2 ", (1, 2)),
        (None, None),
        ("", None),
        ("items=0-3", None),  # another unit
        ("bytes=abc", None),
        ("bytes=-", None),
        ("bytes=5-2", None),  # invalid, so ignored
        ("bytes=0-1,5-6", None),  # several ranges: the whole object
    ],
)
def test_ranges(header: str | None, expected: tuple[int, int] | None) -> None:
    assert byte_range(header, 1000) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=1000-", 1000), ("bytes=-0", 1000), ("bytes=0-", 0), ("bytes=-3", 0)],
)
def test_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        byte_range(header, size)


def test_content_range() -> None:
    assert content_range(10, 19, 1000) == "bytes 10-19/1000"

"""HTTP `Range: bytes=...` requests (RFC 9110 §14), for the service's own signed downloads.

Only single ranges are served. A header this module does not understand (another unit, a
malformed or a multi-range set) is ignored, and the whole object is sent with 200, as the
RFC allows; players ask for one range at a time.
"""

from __future__ import annotations

import re

_SINGLE = re.compile(r"bytes=(\d*)-(\d*)")


class Unsatisfiable(Exception):
    """No byte of the requested range is in the object: 416, `Content-Range: bytes */size`."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The requested `(first, last)` bytes (inclusive, clipped to the object), or None to send
    the whole object."""
    if not header:
        return None
    match = _SINGLE.fullmatch(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first:  # a suffix, `bytes=-n`: the last n bytes
        if not last:
            return None
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    if last and int(last) < start:  # `bytes=9-3` is invalid, not unsatisfiable: ignored
        return None
    if start >= size:
        raise Unsatisfiable
    return start, min(int(last), size - 1) if last else size - 1


def content_range(first: int, last: int, size: int) -> str:
    return f"bytes {first}-{last}/{size}"

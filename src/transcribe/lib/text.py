"""Text shown to people: names that print as one plain line wherever they appear."""

from __future__ import annotations

import unicodedata


def printable(name: str) -> str:
    """One plain line: whitespace of any kind (tabs, line breaks) becomes one space; other
    control, format (bidi overrides included) and separator characters go; no edge spaces."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace() or unicodedata.category(ch)[0] not in ("C", "Z")
    )
    return " ".join(kept.split())

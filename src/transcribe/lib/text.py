"""Text shown to people: names that print as one plain line wherever they appear."""

from __future__ import annotations

import unicodedata


def printable(name: str) -> str:
    """Without control, format (bidi overrides included) or line-breaking characters,
    whitespace collapsed."""
    kept = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    return " ".join(kept.split())

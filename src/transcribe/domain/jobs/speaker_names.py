"""Checking the speaker names users give: known labels, printable names of sensible length."""

from __future__ import annotations

from transcribe.lib.errors import InvalidInput
from transcribe.lib.text import printable

MAX_NAME_CHARS = 64


def clean(given: dict[str, str | None], known: set[str]) -> dict[str, str | None]:
    """The names to set (`None`: remove), or a 400 naming what is wrong."""
    if not given:
        raise InvalidInput(detail='Give at least one speaker: {"A": "Alice"}')
    unknown = sorted(set(given) - known)
    if unknown:
        have = ", ".join(sorted(known)) or "none"
        raise InvalidInput(detail=f"The transcript has no speaker {unknown[0]!r} (it has: {have})")
    cleaned: dict[str, str | None] = {}
    for label, name in given.items():
        if name is None:
            cleaned[label] = None
            continue
        shown = printable(name)
        if not shown:
            raise InvalidInput(detail=f"The name for {label!r} is empty")
        if len(shown) > MAX_NAME_CHARS:
            raise InvalidInput(
                detail=f"The name for {label!r} is longer than {MAX_NAME_CHARS} characters"
            )
        cleaned[label] = shown
    return cleaned

"""Request bodies of the transcript routes: a user's edits to the words."""

from __future__ import annotations

from typing import Annotated

import msgspec

from transcribe.lib.schema import NoNul, Schema

MAX_EDITS = 1_000  # per request; an editor sends a handful
MAX_EDIT_CHARS = 10_000  # the text of one edit: a long paragraph
# A speaker label as engines give them: AssemblyAI's `A`..`Z`, the stub's `1` or `B2`.
SPEAKER_LABEL = r"^[A-Z0-9]{1,3}$"


class TranscriptEdit(Schema):
    """One change: `words[start:end]` replaced by the words of `text` (an insertion when
    `start == end`, a deletion when `text` is `""`) and/or given to `speaker`."""

    start: Annotated[int, msgspec.Meta(ge=0, description="Index of the first word to change")]
    end: Annotated[
        int, msgspec.Meta(ge=0, description="Index after the last word to change (`>= start`)")
    ]
    text: (
        Annotated[
            str,
            NoNul,
            msgspec.Meta(
                max_length=MAX_EDIT_CHARS,
                description='The new words, split on whitespace; `""` deletes the range',
            ),
        ]
        | None
    ) = None
    speaker: (
        Annotated[
            str,
            msgspec.Meta(
                pattern=SPEAKER_LABEL,
                description="Give the range to this speaker (`dialogue` only); a new label "
                "adds a speaker",
            ),
        ]
        | None
    ) = None


class TranscriptEdits(Schema):
    """Edits to the transcript at `revision`; they must not overlap."""

    revision: Annotated[
        int, msgspec.Meta(ge=0, description="The revision the indices refer to (the current one)")
    ]
    edits: Annotated[list[TranscriptEdit], msgspec.Meta(min_length=1, max_length=MAX_EDITS)]

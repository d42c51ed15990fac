from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from transcribe.lib.schema import NoNul, Schema


class PresignRequest(Schema):
    """The file about to be uploaded: its name, exact size and media type."""

    filename: Annotated[
        str, NoNul, msgspec.Meta(min_length=1, max_length=1024, examples=["interview.mp3"])
    ]
    size: Annotated[
        int,
        msgspec.Meta(
            description="Exact size in bytes of the file to upload", examples=[48_213_504]
        ),
    ]
    content_type: Annotated[
        str, NoNul, msgspec.Meta(min_length=3, max_length=255, examples=["audio/mpeg"])
    ]


class PresignedUpload(Schema):
    """Where and how to upload the bytes: send `method` to `upload_url` with `headers`, before
    `expires_at`.
    """

    object_key: str
    upload_url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_at: datetime


ObjectKey = Annotated[
    str,
    NoNul,
    msgspec.Meta(
        min_length=1,
        max_length=1024,
        examples=["uploads/01a21322-7998-7289-9c44-3ee2f3050c5c/5f0c.../interview.mp3"],
    ),
]


class CompleteRequest(Schema):
    """The upload to confirm."""

    object_key: ObjectKey


class UploadedFile(Schema):
    """An upload and whether its bytes have arrived."""

    object_key: str
    filename: str
    size: int
    content_type: str
    status: Annotated[
        Literal["pending", "uploaded", "expired"],
        msgspec.Meta(
            description="`expired`: the media was deleted under the retention policy "
            "(MEDIA_RETENTION_DAYS); jobs and transcripts made from it stay"
        ),
    ]
    created_at: datetime

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from transcribe.lib.schema import NoNul, Schema


class PresignRequest(Schema):
    filename: Annotated[
        str, NoNul, msgspec.Meta(min_length=1, max_length=1024, examples=["interview.mp3"])
    ]
    size: Annotated[int, msgspec.Meta(description="Exact size in bytes of the file to upload")]
    content_type: Annotated[
        str, NoNul, msgspec.Meta(min_length=3, max_length=255, examples=["audio/mpeg"])
    ]


class PresignedUpload(Schema):
    object_key: str
    upload_url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_at: datetime


class CompleteRequest(Schema):
    object_key: Annotated[str, NoNul, msgspec.Meta(min_length=1, max_length=1024)]


class UploadedFile(Schema):
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


class FilePage(Schema):
    items: list[UploadedFile]
    total: int
    limit: int
    offset: int

"""Stored objects served by the service itself (local and memory backends): the signed
download route, and share links' playback.

A single `Range: bytes=...` gets 206 with `Content-Range` (players seek this way); an
unsatisfiable one 416. Bodies stream in chunks: nothing holds a whole file in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.response import Stream
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.transcripts.render import FORMATS
from transcribe.lib.errors import NotFound
from transcribe.lib.http import content_disposition
from transcribe.lib.ranges import Unsatisfiable, byte_range, content_range
from transcribe.storage import Storage
from transcribe.storage.keys import RESULTS_ROOT, UPLOADS_ROOT


@dataclass(frozen=True)
class Served:
    key: str
    size: int
    type: str
    headers: dict[str, str]


async def serve(request: Request, storage: Storage, session: AsyncSession, key: str) -> Stream:
    """The object at `key` (the caller checked the permission), whole or the range asked for."""
    served = await describe(storage, session, key)
    size, headers = served.size, dict(served.headers)
    # A validator we never sent cannot match: If-Range then asks for the whole object.
    header = None if "if-range" in request.headers else request.headers.get("range")
    try:
        wanted = byte_range(header, size)
    except Unsatisfiable:
        raise HTTPException(
            status_code=416,
            detail="The range is outside the object",
            headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
        ) from None
    if wanted is None:
        return Stream(storage.read_stream(key), media_type=served.type, headers=headers)
    first, last = wanted
    headers |= {
        "Content-Length": str(last - first + 1),
        "Content-Range": content_range(first, last, size),
    }
    chunks = storage.read_stream(key, byte_range=(first, last + 1))
    return Stream(chunks, status_code=206, media_type=served.type, headers=headers)


async def describe(storage: Storage, session: AsyncSession, key: str) -> Served:
    """The object's size, type and headers; 404 when it is not there."""
    info = await storage.head(key)
    if info is None:
        raise NotFound(detail="No such object")
    media_type, disposition = await _media(session, key)
    return Served(
        key,
        info.size,
        media_type or _served_type(key),
        {
            "Content-Length": str(info.size),
            "Content-Disposition": disposition or content_disposition(PurePosixPath(key).name),
            "Accept-Ranges": "bytes",
            # (X-Content-Type-Options: nosniff is on every answer: lib/request_id.stamp_response.)
            # Served from the API's own origin: whatever a file holds, it runs nothing there.
            "Content-Security-Policy": "sandbox",
        },
    )


# A type as `POST /files/presign` normalised it (audio/..., video/..., or text/plain for the
# stub engine); anything else is served as opaque bytes.
_MEDIA_TYPE = re.compile(r"(audio|video)/[a-z0-9][a-z0-9.+_-]{0,100}|text/plain")


async def _media(session: AsyncSession, key: str) -> tuple[str | None, str | None]:
    """An upload's type and an inline disposition, so that a player plays it; (None, None) for
    anything else. The key is what a signature binds: with the local backends only
    GET /jobs/{id}/media signs uploads."""
    if not key.startswith(UPLOADS_ROOT):
        return None, None
    upload = (
        await session.execute(
            select(m.Upload.content_type, m.Upload.filename).where(
                m.Upload.object_key == key, m.Upload.status == m.UploadStatus.UPLOADED.value
            )
        )
    ).first()
    await session.rollback()  # no connection held while the bytes stream
    if upload is None or not _MEDIA_TYPE.fullmatch(upload.content_type):
        return None, None
    # (Litestar adds the charset to text/plain itself.)
    return upload.content_type, content_disposition(upload.filename, inline=True)


def _served_type(key: str) -> str:
    """Transcripts with their own type; anything else as opaque bytes, never a type guessed
    from a name a user chose. (Litestar adds the charset to text types itself.)"""
    fmt = FORMATS.get(PurePosixPath(key).suffix.lstrip("."))
    if key.startswith(RESULTS_ROOT) and fmt is not None:
        return (
            fmt.media_type.split(";")[0] if fmt.media_type.startswith("text/") else fmt.media_type
        )
    return "application/octet-stream"

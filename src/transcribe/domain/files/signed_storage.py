"""The service's own presigned-URL routes, for backends that cannot sign (local, memory).

No Authorization header: the signature in the query string is the permission, as with S3.
Bodies are streamed in chunks in both directions; nothing holds a whole file in memory.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable

from litestar import Controller, Request, Response, get, head, put
from litestar.di import NamedDependency
from litestar.exceptions import InternalServerException
from litestar.params import FromPath, FromQuery
from litestar.response import Stream
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.files.serving import describe, serve
from transcribe.lib.errors import CLIENT_GONE, Conflict, Forbidden, NotFound, TooLarge
from transcribe.lib.openapi import errors
from transcribe.lib.schema import Schema
from transcribe.storage import STAGING_PREFIX, Storage

BAD_SIGNATURE = "The signature is invalid or has expired"
log = logging.getLogger(__name__)


class StoredObject(Schema):
    """What the signed upload route stored."""

    object_key: str
    size: int


def _check(
    storage: Storage,
    method: str,
    key: str,
    expires: int | None,
    signature: str | None,
    size: int | None = None,
) -> None:
    if storage.signs_natively:
        raise NotFound(detail="Uploads go straight to object storage with this backend")
    if (
        expires is None
        or not signature
        or not storage.signer.is_valid(method, key, expires, signature, size)
    ):
        raise Forbidden(detail=BAD_SIGNATURE)


class SignedStorageController(Controller):
    path = "/files"
    tags = ["Files"]

    @put(
        "/upload/{object_key:path}",
        exclude_from_auth=True,
        status_code=201,
        request_max_body_size=None,  # the signed size is the limit, enforced while streaming
        summary="Upload bytes to a presigned URL (local storage)",
        responses=errors(
            403,
            409,
            413,
            e409="The upload was already completed or deleted: presign a new one",
            e413="More bytes than the URL was signed for",
        ),
    )
    async def upload(
        self,
        request: Request,
        object_key: FromPath[str],
        storage: NamedDependency[Storage],
        db_session: NamedDependency[AsyncSession],
        expires: FromQuery[int | None] = None,
        size: FromQuery[int | None] = None,
        signature: FromQuery[str | None] = None,
    ) -> StoredObject:
        """The local storage backend's stand-in for S3's presigned PUT: the query string's
        signature is the permission. More bytes than signed get 413. The URL works once:
        after POST /files/complete (or a delete) it answers 409 and changes nothing.
        """
        key = object_key.lstrip("/")
        _check(storage, "PUT", key, expires, signature, size)
        assert size is not None  # part of the signature
        await _pending_upload(db_session, key)  # refuse before reading a byte
        await db_session.rollback()  # and hold no connection while the bytes arrive
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > size:
            raise TooLarge(detail=f"This URL accepts at most {size} bytes")
        too_large = False

        async def limited() -> AsyncIterator[bytes]:
            nonlocal too_large
            received = 0
            async for chunk in request.stream():
                received += len(chunk)
                if received > size:
                    too_large = True
                    raise TooLarge(detail=f"This URL accepts at most {size} bytes")
                yield chunk

        # The bytes land aside, and take the key only if the upload is still pending then:
        # a PUT racing `complete` or a delete can neither replace checked bytes nor leave
        # bytes without a row. (Housekeeping removes what a crash leaves in staging/.)
        staging = f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        try:
            written = await _receive(storage, staging, limited(), key, lambda: too_large, size)
            await _pending_upload(db_session, key, lock=True)  # held until the response
            await storage.rename(staging, key)
        finally:
            await storage.delete(staging)  # a no-op once renamed
        return StoredObject(object_key=key, size=written)

    @get(
        "/download/{object_key:path}",
        exclude_from_auth=True,
        summary="Download from a presigned URL",
        description="Answers a single `Range: bytes=...` with 206 and `Content-Range` (players "
        "seek this way); an unsatisfiable range gets 416.",
        responses=errors(403, 404, 416),
    )
    async def download(
        self,
        request: Request,
        object_key: FromPath[str],
        storage: NamedDependency[Storage],
        db_session: NamedDependency[AsyncSession],
        expires: FromQuery[int | None] = None,
        signature: FromQuery[str | None] = None,
    ) -> Stream:
        """Streams the object the signature names. Transcripts come as attachments with their
        own type, uploaded media inline with the type it was uploaded with (for players), and
        anything else as application/octet-stream, sandboxed.
        """
        key = object_key.lstrip("/")
        _check(storage, "GET", key, expires, signature)
        return await serve(request, storage, db_session, key)

    @head(
        "/download/{object_key:path}",
        exclude_from_auth=True,
        summary="The headers of a presigned download, without its body",
        responses=errors(403, 404),
    )
    async def download_head(
        self,
        object_key: FromPath[str],
        storage: NamedDependency[Storage],
        db_session: NamedDependency[AsyncSession],
        expires: FromQuery[int | None] = None,
        signature: FromQuery[str | None] = None,
    ) -> Response[None]:
        """The headers a GET of the same signed URL would get (type, length, name), without the
        body.
        """
        # The signature is for GET; HEAD asks about the same download (and, as the RFC says,
        # ignores Range).
        key = object_key.lstrip("/")
        _check(storage, "GET", key, expires, signature)
        served = await describe(storage, db_session, key)
        return Response(content=b"", media_type=served.type, headers=served.headers)


async def _receive(
    storage: Storage,
    staging: str,
    chunks: AsyncIterator[bytes],
    key: str,
    too_large: Callable[[], bool],
    size: int,
) -> int:
    try:
        return await storage.write_stream(staging, chunks)
    except InternalServerException as exc:
        if exc.detail == CLIENT_GONE:  # nothing was stored
            log.info("upload to %s interrupted by the client", key)
        raise
    except Exception:
        if too_large():
            raise TooLarge(detail=f"This URL accepts at most {size} bytes") from None
        raise


async def _pending_upload(session: AsyncSession, key: str, *, lock: bool = False) -> None:
    statement = select(m.Upload.status).where(m.Upload.object_key == key)
    if lock:  # POST /files/complete and DELETE /files take this row FOR UPDATE
        statement = statement.with_for_update(read=True)
    if await session.scalar(statement) != m.UploadStatus.PENDING.value:
        raise Conflict(detail="This upload was already completed or deleted: presign a new one")

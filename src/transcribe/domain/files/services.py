from __future__ import annotations

from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import OffsetPagination, SQLAlchemyAsyncRepositoryService
from sqlalchemy import exists, func, select

from transcribe.db import models as m
from transcribe.domain.files.schemas import UploadedFile
from transcribe.lib.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    RateLimited,
    TooLarge,
    UnsupportedMediaType,
)
from transcribe.lib.pagination import newest_first_page
from transcribe.lib.text import printable
from transcribe.storage.keys import upload_key


def check_upload(size: int, content_type: str, *, max_bytes: int, allow_text: bool) -> str:
    """The normalised content type, or the 4xx that says what is wrong."""
    if size <= 0:
        raise InvalidInput(detail="size must be a positive number of bytes")
    if size > max_bytes:
        raise TooLarge(detail=f"File too large: the maximum is {max_bytes} bytes")
    media_type = content_type.split(";")[0].strip().lower()
    major = media_type.split("/")[0]
    if major not in ("audio", "video") and not (allow_text and media_type == "text/plain"):
        allowed = "audio/* or video/*" + (
            " (or text/plain with the stub engine)" if allow_text else ""
        )
        raise UnsupportedMediaType(
            detail=f"Unsupported content type {content_type!r}: use {allowed}"
        )
    return media_type


class UploadService(SQLAlchemyAsyncRepositoryService[m.Upload]):
    class Repo(SQLAlchemyAsyncRepository[m.Upload]):
        model_type = m.Upload

    repository_type = Repo

    async def start(
        self,
        user_id: UUID,
        filename: str,
        size: int,
        content_type: str,
        *,
        max_pending: int,
        retry_after_s: int,
    ) -> m.Upload:
        # The user's row is the lock: concurrent presigns of one user count one at a time.
        await self.repository.session.execute(
            select(m.User.id).where(m.User.id == user_id).with_for_update()
        )
        pending = await self.repository.session.scalar(
            select(func.count()).where(
                m.Upload.user_id == user_id, m.Upload.status == m.UploadStatus.PENDING.value
            )
        )
        if (pending or 0) >= max_pending:
            raise RateLimited(
                detail=f"{pending} uploads are presigned and not completed: complete them, or "
                "wait until they expire",
                retry_after_s=retry_after_s,
            )
        upload = m.Upload(
            user_id=user_id,
            object_key=upload_key(user_id, filename),
            # Shown to people (API, CLI, downloads): one plain line, no control or bidi marks.
            filename=printable(filename)[:255] or "file",
            size=size,
            content_type=content_type,
            status=m.UploadStatus.PENDING.value,
        )
        self.repository.session.add(upload)
        await self.repository.session.flush()
        return upload

    async def get_owned(
        self, user_id: UUID, object_key: str, *, for_update: bool = False
    ) -> m.Upload:
        if "\x00" in object_key:  # cannot exist, and PostgreSQL would refuse to look
            raise NotFound(detail="No such file")
        statement = select(m.Upload).with_for_update() if for_update else None
        upload = await self.get_one_or_none(
            statement=statement, object_key=object_key, user_id=user_id
        )
        if upload is None:
            raise NotFound(detail="No such file")
        return upload

    async def page(self, user_id: UUID, limit: int, offset: int) -> OffsetPagination[UploadedFile]:
        return await newest_first_page(
            self, limit, offset, schema_type=UploadedFile, user_id=user_id
        )

    async def ensure_unused(self, object_key: str) -> None:
        busy = await self.repository.session.scalar(
            select(
                exists().where(
                    m.TranscriptionJob.source_object_key == object_key,
                    m.TranscriptionJob.status.in_([s.value for s in m.UNFINISHED_STATUSES]),
                )
            )
        )
        if busy:
            raise Conflict(detail="A transcription job that is still running uses this file")

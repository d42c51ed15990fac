from __future__ import annotations

from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import OffsetPagination, SQLAlchemyAsyncRepositoryService
from sqlalchemy import select

from transcribe.db import models as m
from transcribe.domain.files.schemas import UploadedFile
from transcribe.lib.errors import InvalidInput, NotFound, TooLarge, UnsupportedMediaType
from transcribe.lib.pagination import newest_first_page


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
    """Reads of uploads; `uploads.py` makes every change."""

    class Repo(SQLAlchemyAsyncRepository[m.Upload]):
        model_type = m.Upload

    repository_type = Repo

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

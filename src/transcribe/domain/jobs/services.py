from __future__ import annotations

from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from litestar.exceptions import NotFoundException
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.jobs import lifecycle
from transcribe.lib.errors import ConflictError
from transcribe.lib.pagination import newest_first


class JobService(SQLAlchemyAsyncRepositoryService[m.TranscriptionJob]):
    class Repo(SQLAlchemyAsyncRepository[m.TranscriptionJob]):
        model_type = m.TranscriptionJob

    repository_type = Repo

    @property
    def session(self) -> AsyncSession:
        return self.repository.session

    async def create_for_upload(
        self, user_id: UUID, object_key: str, language: str, mode: str
    ) -> m.TranscriptionJob:
        upload = await self.session.scalar(
            select(m.Upload).where(m.Upload.object_key == object_key, m.Upload.user_id == user_id)
        )
        if upload is None:
            raise NotFoundException(detail="No such uploaded file")
        if upload.status != m.UploadStatus.UPLOADED.value:
            raise ConflictError(detail="The upload is not completed yet: call POST /files/complete")
        job = await lifecycle.create(
            self.session, user_id=user_id, upload=upload, language=language, mode=mode
        )
        # Committed before deferring, so the worker always finds the row.
        await self.session.commit()
        return job

    async def get_owned(
        self, user_id: UUID, job_id: UUID, *, for_update: bool = False
    ) -> m.TranscriptionJob:
        statement = select(m.TranscriptionJob).where(
            m.TranscriptionJob.id == job_id, m.TranscriptionJob.user_id == user_id
        )
        if for_update:
            statement = statement.with_for_update()
        job = await self.session.scalar(statement)
        if job is None:
            raise NotFoundException(detail="No such job")
        return job

    async def page_for_user(
        self, user_id: UUID, status: str | None, limit: int, offset: int
    ) -> tuple[list[m.TranscriptionJob], int]:
        where = [m.TranscriptionJob.user_id == user_id]
        if status:
            where.append(m.TranscriptionJob.status == status)
        return await newest_first(
            self.session, m.TranscriptionJob, *where, limit=limit, offset=offset
        )

    async def delete_transcript(self, job_id: UUID) -> None:
        await self.session.execute(delete(m.Transcript).where(m.Transcript.job_id == job_id))

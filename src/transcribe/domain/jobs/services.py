from __future__ import annotations

from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from litestar.exceptions import NotFoundException
from sqlalchemy import delete, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.jobs import lifecycle
from transcribe.lib.errors import ConflictError, GoneError
from transcribe.lib.pagination import newest_first


def ensure_media_available(upload: m.Upload) -> None:
    if upload.status == m.UploadStatus.EXPIRED.value:
        raise GoneError(
            detail="The media of this upload was deleted under the retention policy "
            "(MEDIA_RETENTION_DAYS): upload the file again"
        )
    if upload.status != m.UploadStatus.UPLOADED.value:
        raise ConflictError(detail="The upload is not completed yet: call POST /files/complete")


class JobService(SQLAlchemyAsyncRepositoryService[m.TranscriptionJob]):
    class Repo(SQLAlchemyAsyncRepository[m.TranscriptionJob]):
        model_type = m.TranscriptionJob

    repository_type = Repo

    @property
    def session(self) -> AsyncSession:
        return self.repository.session

    async def create_for_upload(
        self,
        user_id: UUID,
        object_key: str,
        language: str,
        mode: str,
        *,
        speakers_expected: int | None = None,
        keyterms: list[str] | None = None,
    ) -> m.TranscriptionJob:
        upload = await self.session.scalar(
            select(m.Upload)
            .where(m.Upload.object_key == object_key, m.Upload.user_id == user_id)
            # Held until the job is committed: neither DELETE /files nor retention can
            # remove the media in between.
            .with_for_update(read=True)
        )
        if upload is None:
            raise NotFoundException(detail="No such uploaded file")
        ensure_media_available(upload)
        job = await lifecycle.create(
            self.session,
            user_id=user_id,
            upload=upload,
            language=language,
            mode=mode,
            speakers_expected=speakers_expected,
            keyterms=keyterms,
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

    async def search_for_user(
        self, user_id: UUID, q: str, status: str | None, limit: int, offset: int
    ) -> tuple[list[m.TranscriptionJob], int]:
        """Jobs whose transcript or file name has the words of `q`, best match first.

        Two index scans (each GIN index finds its own matches) joined afterwards: an OR
        across the two tables would make PostgreSQL read every transcript of the user.
        """
        job, transcript = m.TranscriptionJob, m.Transcript
        query = func.websearch_to_tsquery(m.SEARCH_CONFIG, q)
        in_text = select(
            transcript.job_id.label("id"),
            func.ts_rank(transcript.search_vector, query).label("rank"),
        ).where(transcript.search_vector.op("@@")(query))
        in_name = select(
            job.id.label("id"), func.ts_rank(job.filename_search, query).label("rank")
        ).where(job.user_id == user_id, job.filename_search.op("@@")(query))
        hits = union_all(in_text, in_name).subquery()
        ranked = (
            select(hits.c.id, func.sum(hits.c.rank).label("rank")).group_by(hits.c.id).subquery()
        )
        matches = select(job).join(ranked, ranked.c.id == job.id).where(job.user_id == user_id)
        if status:
            matches = matches.where(job.status == status)
        total = await self.session.scalar(select(func.count()).select_from(matches.subquery()))
        rows = await self.session.scalars(
            matches.order_by(ranked.c.rank.desc(), job.created_at.desc(), job.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows), int(total or 0)

    async def delete_transcript(self, job_id: UUID) -> None:
        await self.session.execute(delete(m.Transcript).where(m.Transcript.job_id == job_id))

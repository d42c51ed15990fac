from __future__ import annotations

from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import OffsetPagination, SQLAlchemyAsyncRepositoryService
from sqlalchemy import func, select, union_all

from transcribe.db import models as m
from transcribe.domain.jobs.schemas import Job
from transcribe.lib.errors import Conflict, Gone, NotFound


def ensure_media_available(upload: m.Upload) -> None:
    if upload.status == m.UploadStatus.EXPIRED.value:
        raise Gone(
            detail="The media of this upload was deleted under the retention policy "
            "(MEDIA_RETENTION_DAYS): upload the file again"
        )
    if upload.status != m.UploadStatus.UPLOADED.value:
        raise Conflict(detail="The upload is not completed yet: call POST /files/complete")


class JobService(SQLAlchemyAsyncRepositoryService[m.TranscriptionJob]):
    class Repo(SQLAlchemyAsyncRepository[m.TranscriptionJob]):
        model_type = m.TranscriptionJob

    repository_type = Repo

    async def get_owned(
        self, user_id: UUID, job_id: UUID, *, for_update: bool = False
    ) -> m.TranscriptionJob:
        """The user's job; another user's answers exactly like a missing one."""
        statement = select(m.TranscriptionJob).with_for_update() if for_update else None
        job = await self.get_one_or_none(statement=statement, id=job_id, user_id=user_id)
        if job is None:
            raise NotFound(detail="No such job")
        return job

    async def get_completed(
        self, user_id: UUID, job_id: UUID, *, for_update: bool = False
    ) -> m.TranscriptionJob:
        """The user's job, with its transcript ready (409 until then)."""
        job = await self.get_owned(user_id, job_id, for_update=for_update)
        if job.status != m.JobStatus.COMPLETED.value or not job.result_object_key:
            raise Conflict(detail=f"The job is {job.status}; its transcript is not ready")
        return job

    async def search_for_user(
        self, user_id: UUID, q: str, status: str | None, limit: int, offset: int
    ) -> OffsetPagination[Job]:
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
        total = await self.repository.session.scalar(
            select(func.count()).select_from(matches.subquery())
        )
        rows = await self.repository.session.scalars(
            matches.order_by(ranked.c.rank.desc(), job.created_at.desc(), job.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return self.to_schema(
            list(rows), int(total or 0), [LimitOffset(limit, offset)], schema_type=Job
        )

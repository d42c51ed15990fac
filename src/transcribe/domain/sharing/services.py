"""The one writer of share links: create (or return) a job's link, revoke it, resolve a token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from advanced_alchemy.mixins.uuid import uuid7  # the ids UUIDv7AuditBase gives
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import delete, or_, select

from transcribe.db import models as m
from transcribe.domain.sharing.tokens import ShareTokens, digest
from transcribe.lib.errors import Conflict


class ShareLinkService(SQLAlchemyAsyncRepositoryService[m.ShareLink]):
    class Repo(SQLAlchemyAsyncRepository[m.ShareLink]):
        model_type = m.ShareLink

    repository_type = Repo

    async def share(
        self, job: m.TranscriptionJob, tokens: ShareTokens, expires_in_days: int | None
    ) -> tuple[m.ShareLink, str]:
        """The job's live link and its token: the existing one (with the new expiry, if one is
        given), or a new one. The caller holds the job's row FOR UPDATE, so two requests at
        once make one link."""
        if job.status != m.JobStatus.COMPLETED.value or not job.result_object_key:
            raise Conflict(detail=f"The job is {job.status}: only a completed job can be shared")
        session = self.repository.session
        now = datetime.now(UTC)
        expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
        link = await session.scalar(select(m.ShareLink).where(m.ShareLink.job_id == job.id))
        if link is not None and link.expires_at is not None and link.expires_at <= now:
            # An expired link is not revived (whoever had it lost it): a new one replaces it.
            await session.delete(link)
            await session.flush()
            link = None
        if link is None:
            # The id is chosen here, not at the insert: the token is derived from it.
            link_id = uuid7()
            token = tokens.token(link_id)
            link = m.ShareLink(
                id=link_id, job_id=job.id, token_hash=digest(token), expires_at=expires_at
            )
            session.add(link)
        else:
            token = tokens.token(link.id)
            link.token_hash = digest(token)  # changes only after a JWT_SECRET rotation
            if expires_at is not None:
                link.expires_at = expires_at
        await session.commit()
        return link, token

    async def live(self, job_id: UUID, tokens: ShareTokens) -> tuple[m.ShareLink, str] | None:
        """The job's link and its token while it works; None when there is none or it expired."""
        link = await self.repository.session.scalar(
            select(m.ShareLink).where(
                m.ShareLink.job_id == job_id,
                or_(m.ShareLink.expires_at.is_(None), m.ShareLink.expires_at > datetime.now(UTC)),
            )
        )
        return (link, tokens.token(link.id)) if link is not None else None

    async def revoke(self, job_id: UUID) -> None:
        await self.repository.session.execute(
            delete(m.ShareLink).where(m.ShareLink.job_id == job_id)
        )
        await self.repository.session.commit()

    async def shared_job(self, token: str) -> m.TranscriptionJob | None:
        """The completed job a live link names; None for an unknown, revoked or expired token,
        a job that is no longer completed, or an owner who was disabled."""
        job, link = m.TranscriptionJob, m.ShareLink
        return await self.repository.session.scalar(
            select(job)
            .join(link, link.job_id == job.id)
            .join(m.User, m.User.id == job.user_id)
            .where(
                link.token_hash == digest(token),
                or_(link.expires_at.is_(None), link.expires_at > datetime.now(UTC)),
                job.status == m.JobStatus.COMPLETED.value,
                job.result_object_key.is_not(None),
                m.User.can_use_service,
            )
        )

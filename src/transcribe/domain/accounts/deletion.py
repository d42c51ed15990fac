"""Deleting an account: its rows go at once (the database cascades from `users`), its
objects in storage and its transcripts at the provider go through a task with retries."""

from __future__ import annotations

import logging
from uuid import UUID

from procrastinate import App, RetryStrategy
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.accounts.services import UserService
from transcribe.domain.accounts.throttle import LoginThrottle
from transcribe.engines.base import PermanentEngineError
from transcribe.queue import LazyQueue
from transcribe.storage.keys import RESULTS_ROOT, UPLOADS_ROOT
from transcribe.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)

PURGE_TASK = "purge_deleted_account"


async def delete_account(session: AsyncSession, queue: LazyQueue, user: m.User) -> None:
    """The user's rows go now; their objects in storage and their transcripts at the provider
    go in the purge task. Nothing is deleted when the queue cannot take that task."""
    provider_ids = [
        pid
        for pid in await session.scalars(
            select(m.TranscriptionJob.provider_job_id).where(
                m.TranscriptionJob.user_id == user.id,
                m.TranscriptionJob.provider_job_id.is_not(None),
            )
        )
        if pid
    ]
    user_id = user.id
    await LoginThrottle.forget_email(session, user.email)
    await UserService(session=session).remove(user_id)
    app = await queue.get()  # before committing: if the queue is down, nothing is deleted
    await session.commit()
    await defer_purge(app, user_id, provider_ids)


async def defer_purge(app: App, user_id: UUID, provider_job_ids: list[str]) -> None:
    await app.configure_task(PURGE_TASK, queueing_lock=f"purge:{user_id}").defer_async(
        user_id=str(user_id), provider_job_ids=provider_job_ids
    )


def register_tasks(app: App, rt: WorkerRuntime) -> None:
    retry = RetryStrategy(max_attempts=12, exponential_wait=rt.settings.worker.retry_base_s)

    @app.task(name=PURGE_TASK, retry=retry)
    async def purge_deleted_account(user_id: str, provider_job_ids: list[str]) -> None:
        for prefix in (f"{UPLOADS_ROOT}{user_id}/", f"{RESULTS_ROOT}{user_id}/"):
            removed = await rt.storage.delete_prefix(prefix)
            log.info("deleted %s objects under %s", removed, prefix)
        for provider_job_id in provider_job_ids:
            try:
                await rt.engine.cancel(provider_job_id)  # AssemblyAI's DELETE removes its data
            except PermanentEngineError:
                log.warning("the provider would not delete transcript %s", provider_job_id)

"""What a worker process needs to run jobs, built once and lazily."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from transcribe.settings import Settings

if TYPE_CHECKING:
    from transcribe.engines import TranscriptionEngine
    from transcribe.storage import Storage


class WorkerRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        engine = create_async_engine(
            self.settings.db.async_url,
            pool_pre_ping=True,
            pool_size=self.settings.worker.concurrency + 2,
        )
        return async_sessionmaker(engine, expire_on_commit=False)

    @cached_property
    def storage(self) -> Storage:
        from transcribe.storage import get_storage

        return get_storage(self.settings)

    @cached_property
    def engine(self) -> TranscriptionEngine:
        from transcribe.engines import get_engine

        return get_engine(self.settings)

"""What a worker process needs to run jobs, built once and lazily."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from transcribe.engines import TranscriptionEngine, get_engine
from transcribe.settings import Settings
from transcribe.storage import Storage, get_storage


class WorkerRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def database(self) -> AsyncEngine:
        db = self.settings.db
        return create_async_engine(
            db.async_url,
            pool_pre_ping=True,
            # A connection per running task and one for the periodic ones; no overflow churn.
            pool_size=db.pool_size or self.settings.worker.concurrency + 2,
            max_overflow=0,
        )

    @cached_property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return async_sessionmaker(self.database, expire_on_commit=False)

    async def close(self) -> None:
        """Close the database pool, if one was opened."""
        if "database" in self.__dict__:
            await self.database.dispose()

    @cached_property
    def storage(self) -> Storage:
        return get_storage(self.settings)

    @cached_property
    def engine(self) -> TranscriptionEngine:
        return get_engine(self.settings)

    @property
    def provider_calls_back(self) -> bool:
        """The engine's provider announces finished transcripts by webhook."""
        return bool(getattr(self.engine, "uses_webhooks", False))

    @property
    def first_check_delay_s(self) -> float:
        config = self.settings.transcription
        return config.webhook_fallback_s if self.provider_calls_back else config.poll_initial_s

    def next_check_delay_s(self, previous_s: float) -> float:
        """Checks thin out while a provider works (1.5x each time, capped); with webhooks
        they only rescue lost ones, at the long fallback interval."""
        config = self.settings.transcription
        if self.provider_calls_back:
            return config.webhook_fallback_s
        return min(max(previous_s, config.poll_initial_s) * 1.5, config.poll_max_s)

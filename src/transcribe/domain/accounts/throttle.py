"""Login throttling per email and per client address (and registrations per client
address), counted in PostgreSQL.

Failures live in `login_failures`, so limits hold across every API instance.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.lib.errors import RateLimited
from transcribe.settings import AuthSettings


@dataclass(frozen=True)
class LoginThrottle:
    session: AsyncSession
    window_s: int
    max_per_email: int
    max_per_client: int

    @classmethod
    def from_settings(cls, session: AsyncSession, settings: AuthSettings) -> LoginThrottle:
        return cls(
            session=session,
            window_s=settings.login_window_s,
            max_per_email=settings.login_max_failures_per_email,
            max_per_client=settings.login_max_failures_per_client,
        )

    @staticmethod
    def keys(email: str, client: str) -> tuple[str, str]:
        # A digest, not the address: fixed length, and the table holds no emails.
        digest = hashlib.sha256(email.encode()).hexdigest()
        return f"email:{digest}", f"client:{client[:64]}"

    async def check(self, email_key: str, client_key: str) -> None:
        """Raise 429 with Retry-After when either key used up its failures in the window."""
        for key, limit in ((email_key, self.max_per_email), (client_key, self.max_per_client)):
            await self.check_key(key, limit, "Too many failed login attempts; try again later")

    async def check_key(self, key: str, limit: int, message: str) -> None:
        since = datetime.now(UTC) - timedelta(seconds=self.window_s)
        count, oldest = (
            await self.session.execute(
                select(func.count(), func.min(m.LoginFailure.created_at)).where(
                    m.LoginFailure.key == key, m.LoginFailure.created_at > since
                )
            )
        ).one()
        if count >= limit:
            # Free again once the oldest attempt in the window ages out.
            wait = (oldest - since).total_seconds()
            raise RateLimited(detail=message, retry_after_s=max(1, math.ceil(wait)))

    async def record_failure(self, *keys: str) -> None:
        cutoff = datetime.now(UTC) - timedelta(seconds=self.window_s)
        await self.session.execute(
            delete(m.LoginFailure).where(
                m.LoginFailure.key.in_(keys), m.LoginFailure.created_at <= cutoff
            )
        )
        await self.session.execute(insert(m.LoginFailure), [{"key": key} for key in keys])
        # Commit now: the request ends in a 401, which rolls the request's session back.
        await self.session.commit()

    async def reset(self, key: str) -> None:
        await self.session.execute(delete(m.LoginFailure).where(m.LoginFailure.key == key))

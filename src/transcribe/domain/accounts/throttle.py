"""Login throttling per email and per client address (and registrations per client
address), counted in PostgreSQL.

Failures live in `login_failures`, so limits hold across every API instance. For one email:

- a client address that failed LOGIN_MAX_FAILURES_PER_EMAIL times for it is refused;
- once the email has that many failures from all addresses together (it is under attack),
  every address that failed for it at all in the window is refused, but an address that
  has not may still try: the owner, who has not mistyped, keeps getting in, while an
  attacker gets one guess per fresh address per window (and each address is bounded by
  LOGIN_MAX_FAILURES_PER_CLIENT over all emails). Failures from many addresses slow the
  attack down; they cannot lock the owner out.
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
class LoginKeys:
    email: str  # for limits on the email itself (password-reset requests)
    client: str  # the address's failures for every email
    pair: str  # this address's failures for this email; the email's are all its pairs


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
    def keys(email: str, client: str) -> LoginKeys:
        # A digest, not the address: fixed length, and the table holds no emails.
        digest = hashlib.sha256(email.encode()).hexdigest()
        client = client[:64]
        return LoginKeys(f"email:{digest}", f"client:{client}", f"pair:{digest}:{client}")

    @classmethod
    async def forget_email(cls, session: AsyncSession, email: str) -> None:
        """Every failure counted for the email (a deleted account leaves none behind)."""
        keys = cls.keys(email, "")
        low, high = cls._pairs_of(keys)
        await session.execute(
            delete(m.LoginFailure).where(
                m.LoginFailure.key.in_([keys.email, f"reset-{keys.email}"])
                | m.LoginFailure.key.between(low, high, symmetric=False)
            )
        )

    @staticmethod
    def _pairs_of(keys: LoginKeys) -> tuple[str, str]:
        """The key range of every address's failures for this email (`;` follows `:`)."""
        prefix = keys.pair[: keys.pair.index(":", len("pair:")) + 1]
        return prefix, prefix[:-1] + ";"

    async def check(self, keys: LoginKeys) -> None:
        """Raise 429 with Retry-After under the rules above."""
        message = "Too many failed login attempts; try again later"
        await self.check_key(keys.client, self.max_per_client, message)
        await self.check_key(keys.pair, self.max_per_email, message)
        email_failures, oldest = await self._count(*self._pairs_of(keys))
        if email_failures >= self.max_per_email and (await self._count(keys.pair))[0] > 0:
            raise RateLimited(detail=message, retry_after_s=self._retry_after(oldest))

    async def check_key(self, key: str, limit: int, message: str) -> None:
        count, oldest = await self._count(key)
        if count >= limit:
            raise RateLimited(detail=message, retry_after_s=self._retry_after(oldest))

    def _since(self) -> datetime:
        return datetime.now(UTC) - timedelta(seconds=self.window_s)

    def _retry_after(self, oldest: datetime) -> int:
        # Free again once the oldest attempt in the window ages out.
        return max(1, math.ceil((oldest - self._since()).total_seconds()))

    async def _count(self, key: str, below: str | None = None) -> tuple[int, datetime]:
        """Failures in the window under `key`, or under every key from `key` up to `below`."""
        matches = (
            m.LoginFailure.key == key
            if below is None
            else m.LoginFailure.key.between(key, below, symmetric=False)
        )
        count, oldest = (
            await self.session.execute(
                select(func.count(), func.min(m.LoginFailure.created_at)).where(
                    matches, m.LoginFailure.created_at > self._since()
                )
            )
        ).one()
        return count, oldest

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

    @staticmethod
    async def forget_older_than(session: AsyncSession, before: datetime) -> None:
        """Failures older than any window (housekeeping)."""
        await session.execute(delete(m.LoginFailure).where(m.LoginFailure.created_at < before))

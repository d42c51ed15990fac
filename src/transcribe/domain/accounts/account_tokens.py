"""Single-use, expiring tokens for the links in emails, stored as SHA-256.

The raw token exists only in the email: the sending task makes it, so neither the queue's
tables nor ours ever hold one that works.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(session: AsyncSession, user_id: UUID, purpose: m.TokenPurpose, ttl_s: int) -> str:
    """A new token; the user's earlier unused tokens for the same purpose stop working."""
    now = datetime.now(UTC)
    await session.execute(
        update(m.AccountToken)
        .where(
            m.AccountToken.user_id == user_id,
            m.AccountToken.purpose == purpose.value,
            m.AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        m.AccountToken(
            user_id=user_id,
            purpose=purpose.value,
            token_hash=_digest(token),
            expires_at=now + timedelta(seconds=ttl_s),
        )
    )
    return token


async def spend(session: AsyncSession, token: str, purpose: m.TokenPurpose) -> m.User | None:
    """The token's user, once: None for unknown, used, expired or other-purpose tokens."""
    now = datetime.now(UTC)
    stored = await session.scalar(
        select(m.AccountToken)
        .where(
            m.AccountToken.token_hash == _digest(token),
            m.AccountToken.purpose == purpose.value,
            m.AccountToken.used_at.is_(None),
            m.AccountToken.expires_at > now,
        )
        .with_for_update()
    )
    if stored is None:
        return None
    stored.used_at = now
    return await session.get(m.User, stored.user_id)

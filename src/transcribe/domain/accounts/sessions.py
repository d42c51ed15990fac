"""Refresh tokens: opaque, stored as SHA-256, rotated on every use, grouped by login.

A login starts a family. Each refresh spends its token and issues the next in the same
family; a spent token presented again means someone else holds a copy, so the whole
family is revoked. Logout revokes the family; a password change revokes every family.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.lib.errors import NotAuthenticated

INVALID = "Invalid, expired or revoked refresh token: log in again"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewRefreshToken:
    token: str
    expires_in: int


async def issue(
    session: AsyncSession, user_id: UUID, ttl_s: int, family_id: UUID | None = None
) -> NewRefreshToken:
    token = secrets.token_urlsafe(32)
    session.add(
        m.RefreshToken(
            user_id=user_id,
            family_id=family_id or uuid.uuid4(),
            token_hash=_digest(token),
            expires_at=datetime.now(UTC) + timedelta(seconds=ttl_s),
        )
    )
    await session.flush()
    return NewRefreshToken(token, ttl_s)


async def rotate(session: AsyncSession, token: str, ttl_s: int) -> tuple[m.User, NewRefreshToken]:
    """Spend `token` for the next one of its family; 401 for anything but a live token."""
    now = datetime.now(UTC)
    stored = await session.scalar(
        select(m.RefreshToken).where(m.RefreshToken.token_hash == _digest(token)).with_for_update()
    )
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise NotAuthenticated(detail=INVALID)
    if stored.used_at is not None:
        # Reuse: whoever refreshed first and whoever tries now cannot both be the owner.
        await revoke_family(session, stored.family_id)
        await session.commit()
        raise NotAuthenticated(detail=INVALID)
    user = await session.get(m.User, stored.user_id)
    if user is None or not user.can_use_service:
        raise NotAuthenticated(detail=INVALID)
    stored.used_at = now
    return user, await issue(session, user.id, ttl_s, stored.family_id)


async def revoke_family(session: AsyncSession, family_id: UUID) -> None:
    await session.execute(
        update(m.RefreshToken)
        .where(m.RefreshToken.family_id == family_id, m.RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def revoke_by_token(session: AsyncSession, token: str) -> None:
    family_id = await session.scalar(
        select(m.RefreshToken.family_id).where(m.RefreshToken.token_hash == _digest(token))
    )
    if family_id is not None:
        await revoke_family(session, family_id)


async def revoke_all(session: AsyncSession, user_id: UUID) -> None:
    await session.execute(
        update(m.RefreshToken)
        .where(m.RefreshToken.user_id == user_id, m.RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )

"""API keys: `Authorization: Bearer trk_...` works like an access token, except on the
routes that manage keys or the account (a leaked script key must not lock its owner out)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.lib.errors import Conflict, Forbidden, NotFound

PREFIX = "trk_"
SHOWN_CHARS = 12  # `trk_` and 8 characters: enough to tell keys apart in a listing
LAST_USED_RESOLUTION = timedelta(minutes=1)  # at most one write per key and minute
MAX_KEYS_PER_USER = 25


@dataclass(frozen=True)
class ApiKeyAuth:
    """`request.auth` when a request came with an API key rather than a login token."""

    key_id: UUID


def new_key() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create(session: AsyncSession, user_id: UUID, name: str) -> tuple[m.ApiKey, str]:
    """A new key and its row (which keeps only a digest). Committed here: the key is shown
    once, so it must exist before it is shown."""
    count = await session.scalar(select(func.count()).where(m.ApiKey.user_id == user_id))
    if (count or 0) >= MAX_KEYS_PER_USER:
        raise Conflict(detail=f"At most {MAX_KEYS_PER_USER} API keys")
    key = new_key()
    row = m.ApiKey(user_id=user_id, name=name, prefix=key[:SHOWN_CHARS], key_hash=digest(key))
    session.add(row)
    await session.commit()
    return row, key


async def revoke(session: AsyncSession, user_id: UUID, key_id: UUID) -> None:
    """The key stops working once this commits (here, before the answer says so)."""
    deleted = await session.scalar(
        delete(m.ApiKey)
        .where(m.ApiKey.id == key_id, m.ApiKey.user_id == user_id)
        .returning(m.ApiKey.id)
    )
    if deleted is None:
        raise NotFound(detail="No such API key")
    await session.commit()


async def user_for_key(session: AsyncSession, key: str) -> tuple[m.User, UUID] | None:
    row = (
        await session.execute(
            select(m.User, m.ApiKey.id)
            .join(m.ApiKey, m.ApiKey.user_id == m.User.id)
            .where(m.ApiKey.key_hash == digest(key))
        )
    ).one_or_none()
    if row is None or not row[0].can_use_service:
        return None
    user, key_id = row
    now = datetime.now(UTC)
    await session.execute(
        update(m.ApiKey)
        .where(
            m.ApiKey.id == key_id,
            or_(
                m.ApiKey.last_used_at.is_(None), m.ApiKey.last_used_at < now - LAST_USED_RESOLUTION
            ),
        )
        .values(last_used_at=now)
    )
    return user, key_id


async def login_token_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: managing keys or the account needs a login token, not an API key."""
    if isinstance(connection.auth, ApiKeyAuth):
        raise Forbidden(detail="API keys cannot manage API keys or the account: use a login token")

"""The owner of `webhook_endpoints` rows: a user's endpoints are created and deleted here."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.webhooks.signing import new_secret
from transcribe.lib.errors import Conflict, NotFound

MAX_ENDPOINTS_PER_USER = 10


async def create(
    session: AsyncSession, user_id: UUID, url: str, events: list[str]
) -> m.WebhookEndpoint:
    """A new endpoint with its signing secret. Committed here: the secret is shown once, so
    the endpoint must exist before it is shown."""
    count = await session.scalar(select(func.count()).where(m.WebhookEndpoint.user_id == user_id))
    if (count or 0) >= MAX_ENDPOINTS_PER_USER:
        raise Conflict(detail=f"At most {MAX_ENDPOINTS_PER_USER} webhook endpoints")
    endpoint = m.WebhookEndpoint(
        user_id=user_id, url=url, events=sorted(set(events)), secret=new_secret()
    )
    session.add(endpoint)
    await session.commit()
    return endpoint


async def delete_owned(session: AsyncSession, user_id: UUID, endpoint_id: UUID) -> None:
    """No more events go to the endpoint; its deliveries not yet made go with it."""
    deleted = await session.scalar(
        delete(m.WebhookEndpoint)
        .where(m.WebhookEndpoint.id == endpoint_id, m.WebhookEndpoint.user_id == user_id)
        .returning(m.WebhookEndpoint.id)
    )
    if deleted is None:
        raise NotFound(detail="No such webhook endpoint")
    await session.commit()

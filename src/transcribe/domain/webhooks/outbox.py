"""Events for users' webhook endpoints, recorded in the transaction that finishes a job; the
owner of `webhook_deliveries` rows (recorded, attempted, forgotten).

Writing the delivery rows beside the status change (an outbox) means an event exists
exactly when its job's final status does; the delivery task and the recovery sweep send
them afterwards, however the worker fares in between.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import msgspec
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m

# The job statuses users can subscribe to, as event types.
EVENT_TYPES = ("job.completed", "job.failed")


class EventBody(msgspec.Struct):
    type: str
    timestamp: datetime
    data: object


def event_type_of(job: m.TranscriptionJob) -> str:
    return f"job.{job.status}"


async def record_job_event(session: AsyncSession, job: m.TranscriptionJob, view: object) -> None:
    """One delivery per endpoint of the job's owner that subscribed to this event; `view` is
    the job as the API shows it (the jobs domain's own schema, given by its caller: this
    package does not import jobs)."""
    event_type = event_type_of(job)
    if event_type not in EVENT_TYPES:
        return
    endpoints = await session.scalars(
        select(m.WebhookEndpoint.id).where(
            m.WebhookEndpoint.user_id == job.user_id,
            m.WebhookEndpoint.events.contains([event_type]),
        )
    )
    now = datetime.now(UTC)
    body = msgspec.json.encode(EventBody(type=event_type, timestamp=now, data=view))
    for endpoint_id in endpoints:
        session.add(
            m.WebhookDelivery(
                endpoint_id=endpoint_id,
                job_id=job.id,
                message_id=f"msg_{secrets.token_hex(16)}",
                event_type=event_type,
                body=body.decode(),
                next_attempt_at=now,
            )
        )


async def record_attempt(
    session: AsyncSession,
    delivery_id: object,
    *,
    attempt: int,
    status_code: int | None,
    error: str | None,
    delivered: bool,
    retry_in_s: float | None,
) -> None:
    """One attempt's outcome; with no retry left (`retry_in_s` None), a failed delivery is
    abandoned."""
    now = datetime.now(UTC)
    values: dict[str, object] = {
        "attempts": attempt,
        "last_status_code": status_code,
        "last_error": None if delivered else error,
        "next_attempt_at": None if retry_in_s is None else now + timedelta(seconds=retry_in_s),
        "updated_at": now,
    }
    if delivered:
        values["delivered_at"] = now
    elif retry_in_s is None:
        values["abandoned_at"] = now
    await session.execute(
        update(m.WebhookDelivery).where(m.WebhookDelivery.id == delivery_id).values(**values)
    )


async def forget_finished_before(session: AsyncSession, before: datetime) -> None:
    """Deliveries made or abandoned before `before` (housekeeping: kept only to debug a
    receiver)."""
    await session.execute(
        delete(m.WebhookDelivery).where(
            or_(m.WebhookDelivery.delivered_at < before, m.WebhookDelivery.abandoned_at < before)
        )
    )

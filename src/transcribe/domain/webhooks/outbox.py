"""Events for users' webhook endpoints, recorded in the transaction that finishes a job.

Writing the delivery rows beside the status change (an outbox) means an event exists
exactly when its job's final status does; the delivery task and the recovery sweep send
them afterwards, however the worker fares in between.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import msgspec
from sqlalchemy import select
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

"""The delivery task: one attempt per run, retried on the schedule for at least a day."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from uuid import UUID

from procrastinate import App, BaseRetryStrategy, JobContext, RetryDecision
from procrastinate.jobs import Job
from sqlalchemy import select, text

from transcribe.db import models as m
from transcribe.domain.webhooks import outbox
from transcribe.domain.webhooks.delivery import deliver
from transcribe.domain.webhooks.queueing import DELIVER_TASK, defer_delivery, delivery_lock
from transcribe.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)


class DeliveryFailedError(Exception):
    """The receiver did not answer 2xx; the delivery is tried again later."""


class DeliverySchedule(BaseRetryStrategy):
    """Waits between attempts, from `WEBHOOK_RETRY_SCHEDULE_S`; after the last, give up."""

    def __init__(self, delays_s: tuple[float, ...]) -> None:
        self.delays_s = delays_s

    def delay_after(self, attempt: int) -> float | None:
        """Seconds before the attempt after `attempt` (1-based), or None: no more."""
        return self.delays_s[attempt - 1] if attempt <= len(self.delays_s) else None

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, DeliveryFailedError):
            return None
        delay = self.delay_after(job.attempts + 1)
        return None if delay is None else RetryDecision(retry_in={"seconds": delay})


def register_tasks(app: App, rt: WorkerRuntime) -> None:
    schedule = DeliverySchedule(rt.settings.webhooks.retry_schedule_s)

    @app.task(name=DELIVER_TASK, pass_context=True, retry=schedule)
    async def deliver_webhook(context: JobContext, delivery_id: str) -> None:
        await attempt_delivery(rt, schedule, UUID(delivery_id))


async def attempt_delivery(
    rt: WorkerRuntime, schedule: DeliverySchedule, delivery_id: UUID
) -> None:
    async with rt.sessions() as session:
        row = (
            await session.execute(
                select(m.WebhookDelivery, m.WebhookEndpoint)
                .join(m.WebhookEndpoint, m.WebhookEndpoint.id == m.WebhookDelivery.endpoint_id)
                .where(
                    m.WebhookDelivery.id == delivery_id,
                    m.WebhookDelivery.delivered_at.is_(None),
                    m.WebhookDelivery.abandoned_at.is_(None),
                )
            )
        ).one_or_none()
    if row is None:
        return  # delivered already, given up, or its endpoint was deleted
    delivery, endpoint = row
    settings = rt.settings.webhooks
    result = await deliver(
        url=endpoint.url,
        secret=endpoint.secret,
        message_id=delivery.message_id,
        body=delivery.body.encode(),
        allow_private=settings.allow_private_urls,
        timeout_s=settings.timeout_s,
    )
    attempt = delivery.attempts + 1
    delay = None if result.delivered else schedule.delay_after(attempt)
    async with rt.sessions.begin() as session:
        await outbox.record_attempt(
            session,
            delivery_id,
            attempt=attempt,
            status_code=result.status_code,
            error=result.excerpt,
            delivered=result.delivered,
            retry_in_s=delay,
        )
    if not result.delivered:
        log.warning(
            "webhook delivery %s attempt %s failed (%s): %s",
            delivery_id,
            attempt,
            result.status_code,
            result.excerpt,
        )
        if delay is not None:
            raise DeliveryFailedError(result.excerpt or str(result.status_code))


_DUE_WITHOUT_QUEUE_JOB = text(
    """
    SELECT d.id FROM webhook_deliveries d
    WHERE d.delivered_at IS NULL AND d.abandoned_at IS NULL AND d.next_attempt_at < :due_before
      AND NOT EXISTS (
          SELECT 1 FROM procrastinate_jobs q
          WHERE q.queueing_lock = :lock_prefix || CAST(d.id AS text)
            AND q.status IN ('todo', 'doing')
      )
    ORDER BY d.next_attempt_at
    LIMIT 500
    """
)


async def sweep_deliveries(app: App, rt: WorkerRuntime, *, grace_s: float) -> int:
    """Defer deliveries that are due but have no queue job (a worker died between the
    job's final status and deferring its deliveries)."""
    params = {
        "due_before": datetime.now(UTC) - timedelta(seconds=grace_s),
        "lock_prefix": delivery_lock(""),
    }
    async with rt.sessions() as session:
        ids = list(await session.scalars(_DUE_WITHOUT_QUEUE_JOB, params))
    for delivery_id in ids:
        log.warning("webhook delivery %s had no queue job: deferred again", delivery_id)
        await defer_delivery(app, delivery_id)
    return len(ids)

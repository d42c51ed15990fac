"""Deferring webhook deliveries: one queue job per delivery, collapsed by a queueing lock."""

from __future__ import annotations

from uuid import UUID

from procrastinate import App
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import select

from transcribe.db import models as m
from transcribe.worker.runtime import WorkerRuntime

DELIVER_TASK = "deliver_webhook"


def delivery_lock(delivery_id: UUID | str) -> str:
    return f"webhook-delivery:{delivery_id}"


async def defer_delivery(app: App, delivery_id: UUID | str) -> int | None:
    try:
        return await app.configure_task(
            DELIVER_TASK, queueing_lock=delivery_lock(delivery_id), lock=delivery_lock(delivery_id)
        ).defer_async(delivery_id=str(delivery_id))
    except AlreadyEnqueued:
        return None


async def defer_deliveries_of_job(app: App, rt: WorkerRuntime, job_id: UUID) -> None:
    """Send what the job's final status recorded; the sweep catches any we miss here."""
    async with rt.sessions() as session:
        ids = list(
            await session.scalars(
                select(m.WebhookDelivery.id).where(
                    m.WebhookDelivery.job_id == job_id,
                    m.WebhookDelivery.delivered_at.is_(None),
                    m.WebhookDelivery.abandoned_at.is_(None),
                )
            )
        )
    for delivery_id in ids:
        await defer_delivery(app, delivery_id)

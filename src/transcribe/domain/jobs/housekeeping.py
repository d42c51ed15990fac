"""Periodic clean-up: uploads presigned but never completed, expired login failures, and
the webhook delivery log past its keeping time."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select

from transcribe.db import models as m
from transcribe.domain.jobs.runtime import WorkerRuntime

log = logging.getLogger(__name__)

BATCH = 500
DELIVERY_LOG_DAYS = 30  # finished deliveries are kept this long, to debug a receiver


async def clean_up(rt: WorkerRuntime) -> None:
    now = datetime.now(UTC)
    # Twice the URL lifetime: no client can still be uploading to these.
    abandoned_before = now - timedelta(seconds=2 * rt.settings.storage.url_ttl_s)
    async with rt.sessions() as session:
        keys = list(
            await session.scalars(
                select(m.Upload.object_key)
                .where(
                    m.Upload.status == m.UploadStatus.PENDING.value,
                    m.Upload.created_at < abandoned_before,
                )
                .limit(BATCH)
            )
        )
    for key in keys:
        await rt.storage.delete(key)  # bytes may have arrived without a `complete`
    async with rt.sessions.begin() as session:
        if keys:
            await session.execute(
                delete(m.Upload).where(
                    m.Upload.object_key.in_(keys), m.Upload.status == m.UploadStatus.PENDING.value
                )
            )
        expired = now - timedelta(seconds=rt.settings.auth.login_window_s)
        await session.execute(delete(m.LoginFailure).where(m.LoginFailure.created_at < expired))
        old = now - timedelta(days=DELIVERY_LOG_DAYS)
        await session.execute(
            delete(m.WebhookDelivery).where(
                or_(m.WebhookDelivery.delivered_at < old, m.WebhookDelivery.abandoned_at < old)
            )
        )
    if keys:
        log.info("removed %s abandoned uploads", len(keys))

"""Periodic clean-up: uploads presigned but never completed (and bytes a crash left in
staging), media past its retention,
expired login failures, and the webhook delivery log past its keeping time.

Each kind is removed in batches (one short transaction each) until none is left."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select

from transcribe.db import models as m
from transcribe.domain.files.retention import apply_retention
from transcribe.domain.jobs.runtime import WorkerRuntime
from transcribe.storage import STAGING_PREFIX

log = logging.getLogger(__name__)

BATCH = 500
DELIVERY_LOG_DAYS = 30  # finished deliveries are kept this long, to debug a receiver


async def clean_up(rt: WorkerRuntime, *, batch: int = BATCH) -> None:
    now = datetime.now(UTC)
    abandoned = await _remove_abandoned_uploads(rt, now, batch)
    # Bytes a crashed upload left in staging (a live upload keeps writing its file).
    abandoned += await rt.storage.delete_older_than(
        STAGING_PREFIX, now - timedelta(seconds=2 * rt.settings.storage.url_ttl_s)
    )
    if abandoned:
        log.info("removed %s abandoned uploads", abandoned)
    expired = await apply_retention(
        rt.sessions, rt.storage, rt.settings.storage.media_retention_days, batch=batch
    )
    if expired:
        log.info("deleted the media of %s uploads past MEDIA_RETENTION_DAYS", expired)
    async with rt.sessions.begin() as session:
        expired_failures = now - timedelta(seconds=rt.settings.auth.login_window_s)
        await session.execute(
            delete(m.LoginFailure).where(m.LoginFailure.created_at < expired_failures)
        )
        old = now - timedelta(days=DELIVERY_LOG_DAYS)
        await session.execute(
            delete(m.WebhookDelivery).where(
                or_(m.WebhookDelivery.delivered_at < old, m.WebhookDelivery.abandoned_at < old)
            )
        )


async def _remove_abandoned_uploads(rt: WorkerRuntime, now: datetime, batch: int) -> int:
    # Twice the URL lifetime: no client can still be uploading to these.
    abandoned_before = now - timedelta(seconds=2 * rt.settings.storage.url_ttl_s)
    removed = 0
    while True:
        async with rt.sessions.begin() as session:
            keys = list(
                await session.scalars(
                    select(m.Upload.object_key)
                    .where(
                        m.Upload.status == m.UploadStatus.PENDING.value,
                        m.Upload.created_at < abandoned_before,
                    )
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            for key in keys:
                await rt.storage.delete(key)  # bytes may have arrived without a `complete`
            if keys:
                await session.execute(delete(m.Upload).where(m.Upload.object_key.in_(keys)))
        removed += len(keys)
        if len(keys) < batch:
            return removed

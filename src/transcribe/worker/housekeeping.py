"""Periodic clean-up: uploads presigned but never completed (and bytes a crash left in
staging), media past its retention,
expired login failures, the webhook delivery log past its keeping time, and job events past
`EVENTS_RETENTION_S`.

Each kind is removed in batches (one short transaction each) until none is left."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from procrastinate import App
from sqlalchemy import select

from transcribe.db import models as m
from transcribe.domain.accounts.throttle import LoginThrottle
from transcribe.domain.files import uploads
from transcribe.domain.jobs import lifecycle
from transcribe.domain.webhooks import outbox
from transcribe.storage import STAGING_PREFIX
from transcribe.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)

BATCH = 500
DELIVERY_LOG_DAYS = 30  # finished deliveries are kept this long, to debug a receiver


async def clean_up(rt: WorkerRuntime, *, batch: int = BATCH) -> None:
    now = datetime.now(UTC)
    # Twice the URL lifetime: no client can still be uploading to these.
    abandoned_before = now - timedelta(seconds=2 * rt.settings.storage.url_ttl_s)
    abandoned = await uploads.remove_abandoned(rt.sessions, rt.storage, abandoned_before, batch)
    # Bytes a crashed upload left in staging (a live upload keeps writing its file).
    abandoned += await rt.storage.delete_older_than(STAGING_PREFIX, abandoned_before)
    if abandoned:
        log.info("removed %s abandoned uploads", abandoned)
    expired = await uploads.apply_retention(
        rt.sessions, rt.storage, rt.settings.storage.media_retention_days, batch=batch
    )
    if expired:
        log.info("deleted the media of %s uploads past MEDIA_RETENTION_DAYS", expired)
    old_events = await remove_old_events(rt, now, batch)
    if old_events:
        log.info("removed %s job events past EVENTS_RETENTION_S", old_events)
    async with rt.sessions.begin() as session:
        expired_failures = now - timedelta(seconds=rt.settings.auth.login_window_s)
        await LoginThrottle.forget_older_than(session, expired_failures)
        await outbox.forget_finished_before(session, now - timedelta(days=DELIVERY_LOG_DAYS))


async def remove_old_events(rt: WorkerRuntime, now: datetime, batch: int = BATCH) -> int:
    """Job events older than the retention, oldest id first and only a prefix of ids: a row
    that still exists proves that none after it is gone (the API's `Last-Event-ID` check)."""
    keep_after = now - timedelta(seconds=rt.settings.events.retention_s)
    removed = 0
    while True:
        async with rt.sessions.begin() as session:
            head = (
                await session.execute(
                    select(m.JobEvent.id, m.JobEvent.created_at)
                    .order_by(m.JobEvent.id)
                    .limit(batch)
                )
            ).all()
            old = []
            for event_id, created_at in head:
                if created_at >= keep_after:
                    break
                old.append(event_id)
            if old:
                await lifecycle.forget_events_through(session, old[-1])
        removed += len(old)
        if len(old) < batch:
            return removed


TASK = "housekeeping"


def register_task(app: App, rt: WorkerRuntime) -> None:
    """The periodic clean-up, at HOUSEKEEPING_CRON, one run at a time."""

    @app.periodic(cron=rt.settings.worker.housekeeping_cron, periodic_id="housekeeping")
    @app.task(name=TASK, queueing_lock=TASK)
    async def housekeeping(timestamp: int) -> None:
        await clean_up(rt)

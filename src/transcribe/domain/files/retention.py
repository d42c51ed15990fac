"""MEDIA_RETENTION_DAYS: uploaded media is deleted that many days after its last job finished.

The upload and job rows stay. An upload moves to `expired` in one transaction (from then on a
new job on it gets 410), and its bytes leave storage afterwards; `media_deleted_at` records
that they did, so a crash between the two only delays the deletion to the next run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from transcribe.db import models as m
from transcribe.storage import Storage

Upload, Job = m.Upload, m.TranscriptionJob


def _in_use_since(cutoff: datetime):
    """A job on the upload that still runs, or that finished after `cutoff`."""
    return exists().where(
        Job.source_object_key == Upload.object_key,
        or_(
            Job.status.in_([s.value for s in m.UNFINISHED_STATUSES]),
            func.coalesce(Job.completed_at, Job.updated_at) >= cutoff,
        ),
    )


async def expire_batch(session: AsyncSession, cutoff: datetime, batch: int) -> int:
    """Marks up to `batch` uploads whose media has outlived retention; returns how many it
    looked at (those a new job saved are in use now, so no later batch picks them again)."""
    due = (
        select(Upload.id)
        .where(
            Upload.status == m.UploadStatus.UPLOADED.value,
            Upload.updated_at < cutoff,  # completed before the cutoff; the index finds them
            ~_in_use_since(cutoff),
        )
        .order_by(Upload.updated_at)
        .limit(batch)
        .with_for_update(skip_locked=True)  # a job being created on one holds its row
    )
    ids = list(await session.scalars(due))
    if not ids:
        return 0
    # Checked again under the locks, in a new snapshot: a job committed after the select
    # above started is visible now, and no new one can start until this commits.
    await session.execute(
        update(Upload)
        .where(Upload.id.in_(ids), ~_in_use_since(cutoff))
        .values(status=m.UploadStatus.EXPIRED.value)
    )
    return len(ids)


async def purge_batch(session: AsyncSession, storage: Storage, batch: int) -> int:
    """Deletes the bytes of up to `batch` expired uploads; returns how many."""
    rows = (
        await session.execute(
            select(Upload.id, Upload.object_key)
            .where(
                Upload.status == m.UploadStatus.EXPIRED.value,
                Upload.media_deleted_at.is_(None),
            )
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for _, key in rows:
        await storage.delete(key)  # a missing object counts as deleted
    if rows:
        await session.execute(
            update(Upload)
            .where(Upload.id.in_([row.id for row in rows]))
            .values(media_deleted_at=datetime.now(UTC))
        )
    return len(rows)


async def apply_retention(
    sessions: async_sessionmaker[AsyncSession], storage: Storage, days: int, *, batch: int
) -> int:
    """Expires and deletes every upload that is due, one batch per transaction; returns the
    number of media objects deleted."""
    if days > 0:
        cutoff = datetime.now(UTC) - timedelta(days=days)
        while True:
            async with sessions.begin() as session:
                if await expire_batch(session, cutoff, batch) < batch:
                    break
    deleted = 0
    while True:  # also finishes what an earlier run (or an earlier setting) left half done
        async with sessions.begin() as session:
            count = await purge_batch(session, storage, batch)
        deleted += count
        if count < batch:
            return deleted

"""The owner of `uploads` rows: every change to an upload is made here; the routes and
housekeeping call, and everyone else reads.

An upload is `pending` once presigned, `uploaded` once completed, and `expired` when its media
outlived MEDIA_RETENTION_DAYS after its last job finished (the row stays, so a new job on it
gets 410; `media_deleted_at` records that the bytes left storage, so a crash between the two
steps only delays the deletion). A pending upload nobody completed is removed with its bytes;
a user may delete an upload that no running job uses.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from transcribe.db import models as m
from transcribe.lib.errors import Conflict, RateLimited
from transcribe.lib.text import printable
from transcribe.storage import Storage
from transcribe.storage.keys import upload_key

Upload, Job = m.Upload, m.TranscriptionJob
PENDING, UPLOADED, EXPIRED = (s.value for s in m.UploadStatus)


async def start(
    session: AsyncSession,
    user_id: UUID,
    filename: str,
    size: int,
    content_type: str,
    *,
    max_pending: int,
    retry_after_s: int,
) -> m.Upload:
    """A pending upload, unless the user has `max_pending` of them already (429)."""
    # The user's row is the lock: concurrent presigns of one user count one at a time.
    await session.execute(select(m.User.id).where(m.User.id == user_id).with_for_update())
    pending = await session.scalar(
        select(func.count()).where(Upload.user_id == user_id, Upload.status == PENDING)
    )
    if (pending or 0) >= max_pending:
        raise RateLimited(
            detail=f"{pending} uploads are presigned and not completed: complete them, or "
            "wait until they expire",
            retry_after_s=retry_after_s,
        )
    upload = Upload(
        user_id=user_id,
        object_key=upload_key(user_id, filename),
        # Shown to people (API, CLI, downloads): one plain line, no control or bidi marks.
        filename=printable(filename)[:255] or "file",
        size=size,
        content_type=content_type,
        status=PENDING,
    )
    session.add(upload)
    await session.flush()
    return upload


async def complete(storage: Storage, upload: m.Upload) -> m.Upload:
    """`uploaded` once storage holds exactly the presigned size; completing twice changes
    nothing. The caller holds the row's lock."""
    if upload.status != PENDING:
        return upload
    stored = await storage.head(upload.object_key)
    if stored is None:
        raise Conflict(detail="Nothing has been uploaded to this object yet")
    if stored.size != upload.size:
        # A wrong-sized object is useless; removing it lets the client simply retry.
        await storage.delete(upload.object_key)
        raise Conflict(
            detail=f"Uploaded size {stored.size} differs from the presigned size {upload.size}; "
            "upload again"
        )
    upload.status = UPLOADED
    return upload


async def delete_unused(session: AsyncSession, storage: Storage, upload: m.Upload) -> None:
    """The upload and its media go, unless a job that is still running uses it (409); jobs
    made from it earlier keep their transcripts. The caller holds the row's lock."""
    busy = await session.scalar(
        select(
            exists().where(
                Job.source_object_key == upload.object_key,
                Job.status.in_([s.value for s in m.UNFINISHED_STATUSES]),
            )
        )
    )
    if busy:
        raise Conflict(detail="A transcription job that is still running uses this file")
    await storage.delete(upload.object_key)
    await session.delete(upload)


async def remove_abandoned(
    sessions: async_sessionmaker[AsyncSession], storage: Storage, before: datetime, batch: int
) -> int:
    """Pending uploads presigned before `before`, with any bytes that arrived without a
    `complete`, one batch per transaction; returns how many."""
    removed = 0
    while True:
        async with sessions.begin() as session:
            keys = list(
                await session.scalars(
                    select(Upload.object_key)
                    .where(Upload.status == PENDING, Upload.created_at < before)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            for key in keys:
                await storage.delete(key)
            if keys:
                await session.execute(delete(Upload).where(Upload.object_key.in_(keys)))
        removed += len(keys)
        if len(keys) < batch:
            return removed


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
            Upload.status == UPLOADED,
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
        update(Upload).where(Upload.id.in_(ids), ~_in_use_since(cutoff)).values(status=EXPIRED)
    )
    return len(ids)


async def purge_batch(session: AsyncSession, storage: Storage, batch: int) -> int:
    """Deletes the bytes of up to `batch` expired uploads; returns how many."""
    rows = (
        await session.execute(
            select(Upload.id, Upload.object_key)
            .where(Upload.status == EXPIRED, Upload.media_deleted_at.is_(None))
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
    """MEDIA_RETENTION_DAYS: expires and deletes every upload that is due, one batch per
    transaction; returns the number of media objects deleted."""
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

"""The one owner of a job's life: every change of a job's state is made here.

Each change is a conditional `UPDATE ... WHERE status IN (...)`, so that races (a cancel
while the provider finishes, two workers on one job) are settled by PostgreSQL: whoever
updates first wins and the other gets None. Each change is also a job event: at the
commit of the caller's transaction (and only then) a row of `job_events` and a `NOTIFY` on
`JOB_EVENTS_CHANNEL` carrying its id, so listeners hear of it exactly when it is committed
(and never of a change rolled back), and a client that missed it can read it back.

The event rows are written in `before_commit`, one statement each (lock, INSERT, NOTIFY),
under a transaction lock per user: one user's event ids then grow in commit order, so
"the events of user U after id N" never misses one that committed late with a smaller id.
The lock is held from that statement to the commit, which NOTIFY already serializes.

Callers own the transaction (`async with sessions.begin()` in the worker, the request's
session in the API).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import Uuid, bindparam, case, event, func, text, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from transcribe.db import models as m
from transcribe.domain.accounts.usage import count_completion
from transcribe.domain.jobs.schemas import job_view
from transcribe.domain.webhooks.outbox import record_job_event

JOB_EVENTS_CHANNEL = "transcribe_job_events"
_MAX_PAYLOAD_BYTES = 7900

Job = m.TranscriptionJob
UNFINISHED = m.UNFINISHED_STATUSES


def _now() -> datetime:
    return datetime.now(UTC)


_PENDING = "transcribe.job_events"
# pg_advisory_xact_lock(int, int) key space of the per-user event lock.
_EVENT_LOCK_CLASS = 0x6A6F6276  # "jobv"

_WRITE_EVENT = text(
    """
    WITH locked AS (SELECT pg_advisory_xact_lock(:lock_class, hashtext(:user_key))),
    written AS (
        INSERT INTO job_events (user_id, job_id, change, job)
        SELECT :user_id, :job_id, :change, :job FROM locked
        RETURNING id
    )
    SELECT pg_notify(:channel, '{"event_id":' || written.id || ',' || :rest) FROM written
    """
).bindparams(bindparam("user_id", type_=Uuid), bindparam("job_id", type_=Uuid))


async def _notify(session: AsyncSession, job: m.TranscriptionJob, change: str) -> None:
    """Queue the job's event for this transaction's commit (see `_write_events`)."""
    session.info.setdefault(_PENDING, []).append(
        (job.user_id, job.id, job.status, change, msgspec.json.encode(job_view(job)).decode())
    )


@event.listens_for(Session, "before_commit")
def _write_events(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    users = sorted({str(user_id) for user_id, *_ in pending})
    if len(users) > 1:  # always in the same order: no deadlock between two such commits
        for user_key in users:
            session.execute(
                text("SELECT pg_advisory_xact_lock(:c, hashtext(:u))"),
                {"c": _EVENT_LOCK_CLASS, "u": user_key},
            )
    for user_id, job_id, status, change, job_json in pending:
        session.execute(
            _WRITE_EVENT,
            {
                **event_params(user_id, job_id, status, change, job_json),
                "user_id": user_id,
                "job_id": job_id,
                "change": change,
                "job": job_json,
            },
        )


def event_params(
    user_id: UUID, job_id: UUID, status: str, change: str, job_json: str
) -> dict[str, Any]:
    """What writing one job event takes besides its row: the per-user lock, the channel and
    the NOTIFY payload's text after its id (`rest`). The one definition of an event's form,
    for `_write_events` and for POST /jobs's own statement (creation.py)."""
    event = {"job_id": str(job_id), "user_id": str(user_id), "status": status}
    # The job as clients see it rides along, so listeners need not read it back (and see
    # each state, in order); PostgreSQL caps a payload at 8000 bytes, past which listeners
    # read the event row.
    rest = msgspec.json.encode({**event, "change": change})[1:-1].decode()  # no braces
    if len(job_json.encode()) + len(rest) < _MAX_PAYLOAD_BYTES:
        rest = f'{rest},"job":{job_json}'
    return {
        "lock_class": _EVENT_LOCK_CLASS,
        "user_key": str(user_id),
        "channel": JOB_EVENTS_CHANNEL,
        "rest": rest + "}",
    }


@event.listens_for(Session, "after_transaction_end")
def _forget_events(session: Session, transaction: SessionTransaction) -> None:
    """A transaction rolled back (or closed) takes its events with it."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


async def _change(
    session: AsyncSession,
    job_id: UUID,
    change: str,
    *,
    when: Iterable[Any] = (),
    values: dict[str, Any],
) -> m.TranscriptionJob | None:
    """Apply `values` to the job if `when` holds; the updated row, or None."""
    statement = (
        update(Job)
        .where(Job.id == job_id, *when)
        .values(updated_at=_now(), **values)
        .returning(Job)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    job = (await session.execute(statement)).scalar_one_or_none()
    if job is not None:
        await _notify(session, job, change)
    return job


def _status_in(statuses: Iterable[m.JobStatus]) -> Any:
    return Job.status.in_([status.value for status in statuses])


async def create(
    session: AsyncSession,
    *,
    user_id: UUID,
    upload: m.Upload,
    language: str,
    mode: str,
    engine: str,
    speakers_expected: int | None = None,
    keyterms: list[str] | None = None,
) -> m.TranscriptionJob:
    job = m.TranscriptionJob(
        engine=engine,
        user_id=user_id,
        status=m.JobStatus.PENDING.value,
        language=language,
        mode=mode,
        source_object_key=upload.object_key,
        filename=upload.filename,
        speakers_expected=speakers_expected,
        keyterms=keyterms or None,
        speaker_names={},
    )
    session.add(job)
    await session.flush()
    await _notify(session, job, "created")
    return job


async def claim(session: AsyncSession, job_id: UUID, engine: str) -> m.TranscriptionJob | None:
    """A worker takes the job: pending (or processing, on a retry) becomes processing."""
    return await _change(
        session,
        job_id,
        "claimed",
        when=[_status_in(UNFINISHED)],
        values={
            "status": m.JobStatus.PROCESSING.value,
            "engine": engine,
            "started_at": func.coalesce(Job.started_at, func.now()),
            "error_message": None,
        },
    )


async def submitting(
    session: AsyncSession, job_id: UUID, audio_url: str
) -> m.TranscriptionJob | None:
    """Saved before the provider is asked: a retry then looks for this submission first."""
    return await _change(
        session,
        job_id,
        "submitting",
        when=[Job.status == m.JobStatus.PROCESSING.value, Job.provider_job_id.is_(None)],
        values={"provider_audio_url": audio_url, "provider_audio_url_at": _now()},
    )


async def submitted(
    session: AsyncSession, job_id: UUID, provider_job_id: str
) -> m.TranscriptionJob | None:
    """The provider accepted the job; None when it was cancelled meanwhile."""
    return await _change(
        session,
        job_id,
        "submitted",
        when=[Job.status == m.JobStatus.PROCESSING.value, Job.provider_job_id.is_(None)],
        values={"provider_job_id": provider_job_id},
    )


async def progress(session: AsyncSession, job_id: UUID, percent: int) -> m.TranscriptionJob | None:
    """The engine's progress (0..100); only while processing, and only when it moved."""
    percent = max(0, min(100, percent))
    return await _change(
        session,
        job_id,
        "progress",
        when=[
            Job.status == m.JobStatus.PROCESSING.value,
            Job.progress.is_distinct_from(percent),
        ],
        values={"progress": percent},
    )


async def complete(
    session: AsyncSession,
    job_id: UUID,
    *,
    result_object_key: str,
    detected_language: str | None,
    audio_duration_s: float | None,
    language_confidence: float | None = None,
) -> m.TranscriptionJob | None:
    job = await _change(
        session,
        job_id,
        m.JobStatus.COMPLETED.value,
        when=[Job.status == m.JobStatus.PROCESSING.value],
        values={
            "status": m.JobStatus.COMPLETED.value,
            "completed_at": _now(),
            "result_object_key": result_object_key,
            "detected_language": detected_language,
            "language_confidence": language_confidence,
            "audio_duration_s": audio_duration_s,
            "error_message": None,
            # Engines that reported progress end at 100; the others keep none.
            "progress": case((Job.progress.is_not(None), 100), else_=None),
        },
    )
    if job is not None:
        await count_completion(session, job)
        await record_job_event(session, job, job_view(job))
    return job


async def fail(session: AsyncSession, job_id: UUID, message: str) -> m.TranscriptionJob | None:
    job = await _change(
        session,
        job_id,
        m.JobStatus.FAILED.value,
        when=[_status_in(UNFINISHED)],
        values={
            "status": m.JobStatus.FAILED.value,
            "error_message": message,
            "completed_at": _now(),
        },
    )
    if job is not None:
        await record_job_event(session, job, job_view(job))
    return job


async def cancel(session: AsyncSession, job_id: UUID) -> m.TranscriptionJob | None:
    """The user's DELETE of an unfinished job; None when it had already finished."""
    return await _change(
        session,
        job_id,
        m.JobStatus.CANCELLED.value,
        when=[_status_in(UNFINISHED)],
        values={
            "status": m.JobStatus.CANCELLED.value,
            "completed_at": _now(),
            "result_object_key": None,
        },
    )


async def rename_speakers(
    session: AsyncSession, job_id: UUID, names: dict[str, str]
) -> m.TranscriptionJob | None:
    """Speaker names for a completed job's transcript (the whole map, replaced)."""
    return await _change(
        session,
        job_id,
        "speakers",
        when=[Job.status == m.JobStatus.COMPLETED.value],
        values={"speaker_names": names},
    )


async def queued(
    session: AsyncSession, job_id: UUID, queue_job_id: int | None, *, recovered: bool = False
) -> m.TranscriptionJob | None:
    """The queue job that runs it next; a recovery also counts against the job's limit."""
    values: dict[str, Any] = {}
    if queue_job_id is not None:
        values["queue_job_id"] = queue_job_id
    if recovered:
        values["recovery_count"] = Job.recovery_count + 1
    return await _change(
        session,
        job_id,
        "recovered" if recovered else "queued",
        when=[_status_in(UNFINISHED)],
        values=values,
    )


async def retry(session: AsyncSession, job_id: UUID) -> m.TranscriptionJob | None:
    """A failed job starts again from the beginning (a new submission)."""
    return await _change(
        session,
        job_id,
        "retried",
        when=[Job.status == m.JobStatus.FAILED.value],
        values={
            "status": m.JobStatus.PENDING.value,
            "error_message": None,
            "completed_at": None,
            "started_at": None,
            "provider_job_id": None,
            "provider_audio_url": None,
            "progress": None,
            "recovery_count": 0,
        },
    )


async def delete(session: AsyncSession, job_id: UUID) -> None:
    """A finished job goes; its transcript row, events and share link go with it (cascade)."""
    await session.execute(
        sql_delete(Job).where(Job.id == job_id).execution_options(synchronize_session=False)
    )


async def forget_events_through(session: AsyncSession, last_id: int) -> None:
    """Events up to `last_id` (housekeeping, oldest first: a row that still exists proves that
    none after it is gone, which the API's `Last-Event-ID` check relies on)."""
    await session.execute(sql_delete(m.JobEvent).where(m.JobEvent.id <= last_id))

"""POST /jobs at the driver's speed: two statements, each its own transaction.

1. The upload, its user's check (`valid_user_conditions`) and the user's quota and use this
   month, read together; the refusals (401, 402, 404, 409, 410) are decided from that row.
2. One statement makes the job: it locks the upload (FOR SHARE: neither DELETE /files nor
   retention can remove the media until the job is committed), inserts the job, defers its
   submission (procrastinate's own `procrastinate_defer_jobs_v1`, with `defer_submit`'s task,
   lock and queueing lock) and writes the job's `created` event and NOTIFY the way
   `lifecycle.py` writes every event (its per-user lock, row and payload).

Why not the session and `lifecycle.create`: an event is written under a per-user lock held
until the commit. Through a session the lock is held across a round trip to this process
(the event's statement, then COMMIT), and a busy event loop answers late: one user's
concurrent creations then queued on the lock (bench/api.py: 4 to 6 of the pool's 10
connections waiting on it, 84-137 req/s). In one statement the lock is taken and released
inside PostgreSQL. The job row and its queue job also commit together now: neither exists
without the other.
"""

from __future__ import annotations

import weakref
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from advanced_alchemy.mixins.uuid import uuid7
from litestar.di import NamedDependency
from procrastinate.jobs import DEFAULT_PRIORITY, DEFAULT_QUEUE
from sqlalchemy import Uuid, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from transcribe.db import models as m
from transcribe.db.driver_reads import CompiledSelect, DriverConnections
from transcribe.domain.accounts import usage
from transcribe.domain.accounts.current_user import STALE_TOKEN, Principal, valid_user_conditions
from transcribe.domain.jobs import lifecycle
from transcribe.domain.jobs.queueing import SUBMIT_TASK, job_lock
from transcribe.domain.jobs.schemas import Job
from transcribe.domain.jobs.services import ensure_media_available
from transcribe.lib.errors import Conflict, NotAuthenticated, NotFound, QuotaExceeded

# The job, its queue job and its event in one statement (see the module's docstring). The
# upload is matched on its file name too: the event carries the name read in step 1.
_CREATE = text(
    f"""
    WITH upload AS (
        SELECT object_key, filename FROM uploads
        WHERE object_key = :object_key AND user_id = :user_id AND filename = :filename
          AND status = '{m.UploadStatus.UPLOADED.value}'
        FOR SHARE
    ),
    deferred AS (
        SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(
            '{DEFAULT_QUEUE}', '{SUBMIT_TASK}', {DEFAULT_PRIORITY}, CAST(:lock AS text),
            CAST(:lock AS text), CAST(:args AS jsonb), NULL
        )::procrastinate_job_to_defer_v1])) AS id
        FROM upload
    ),
    job AS (
        INSERT INTO transcription_jobs (
            id, user_id, status, language, mode, source_object_key, filename, engine,
            speakers_expected, keyterms, speaker_names, recovery_count, queue_job_id,
            created_at, updated_at
        )
        SELECT :job_id, :user_id, '{m.JobStatus.PENDING.value}', :language, :mode,
            upload.object_key, upload.filename, :engine, :speakers_expected, :keyterms,
            '{{}}'::jsonb, 0, deferred.id, :now, :now
        FROM upload, deferred
        RETURNING id
    ),
    locked AS (
        SELECT pg_advisory_xact_lock(:lock_class, hashtext(:user_key)) FROM job
    ),
    written AS (
        INSERT INTO job_events (user_id, job_id, change, job)
        SELECT :user_id, :job_id, 'created', :job_json FROM locked
        RETURNING id
    )
    SELECT pg_notify(:channel, '{{"event_id":' || written.id || ',' || :rest) AS notified
    FROM written
    """  # noqa: S608 - constants, not input
).bindparams(
    bindparam("user_id", type_=Uuid),
    bindparam("job_id", type_=Uuid),
    bindparam("now", type_=m.TranscriptionJob.__table__.c.created_at.type),
    bindparam("keyterms", type_=m.TranscriptionJob.__table__.c.keyterms.type),
    bindparam("speakers_expected", type_=m.TranscriptionJob.__table__.c.speakers_expected.type),
)


def _user_and_quota(by_token: bool) -> Any:
    version = bindparam("version") if by_token else None
    return (
        select(m.User.quota_minutes, m.UsageMonth.audio_seconds)
        .select_from(m.User)
        .outerjoin(
            m.UsageMonth,
            (m.UsageMonth.user_id == m.User.id) & (m.UsageMonth.period_start == bindparam("month")),
        )
        .where(*valid_user_conditions(bindparam("user_id"), version))
    )


def _upload_and_quota(by_token: bool) -> Any:
    return (
        _user_and_quota(by_token)
        .add_columns(m.Upload.object_key, m.Upload.filename, m.Upload.status)
        .join(m.Upload, m.Upload.user_id == m.User.id)
        .where(m.Upload.object_key == bindparam("object_key"))
    )


class JobCreation:
    def __init__(self, engine: AsyncEngine) -> None:
        self._connections = DriverConnections(engine)
        self._uploads = {t: CompiledSelect(_upload_and_quota(t), engine) for t in (True, False)}
        self._users = {t: CompiledSelect(_user_and_quota(t), engine) for t in (True, False)}
        self._create = CompiledSelect(_CREATE, engine)

    async def create(
        self,
        principal: Principal,
        object_key: str,
        language: str,
        mode: str,
        *,
        engine: str,
        default_quota_minutes: int,
        speakers_expected: int | None = None,
        keyterms: list[str] | None = None,
    ) -> Job:
        """The job, committed with its submission queued and its event written."""
        by_token = principal.token_version is not None
        now = datetime.now(UTC)
        params: dict[str, Any] = {
            "user_id": principal.user_id,
            "version": principal.token_version,
            "month": usage.month_of(now),
            "object_key": object_key,
        }

        async def create(connection: asyncpg.Connection) -> Job | None:
            found = await self._uploads[by_token].fetchrow(connection, **params)
            if found is None:  # a stale token (401), no quota left (402), or no such upload
                user = await self._users[by_token].fetchrow(connection, **params)
                if user is None:
                    raise NotAuthenticated(STALE_TOKEN)
                _check_quota(SimpleNamespace(**user), default_quota_minutes)
                raise NotFound(detail="No such uploaded file")
            upload = SimpleNamespace(**found)  # read as the user and the upload models are
            _check_quota(upload, default_quota_minutes)
            ensure_media_available(upload)
            job = Job(
                id=uuid7(),
                status=m.JobStatus.PENDING,
                language=language,
                mode=mode,
                object_key=object_key,
                filename=upload.filename,
                created_at=now,
                updated_at=now,
                started_at=None,
                completed_at=None,
                error_message=None,
                detected_language=None,
                audio_duration_s=None,
                engine=engine,
                speaker_names={},
            )
            created = await self._create.fetchrow(
                connection,
                **params,
                **_event_params(principal.user_id, job),
                job_id=job.id,
                filename=job.filename,
                language=language,
                mode=mode,
                engine=engine,
                speakers_expected=speakers_expected,
                keyterms=keyterms or None,
                now=now,
                lock=job_lock(job.id),
                args=msgspec.json.encode({"job_id": str(job.id)}).decode(),
            )
            return job if created is not None else None

        for _ in range(2):  # the upload changed between the two statements: decide again
            job = await self._connections.run(create)
            if job is not None:
                return job
        raise Conflict(detail="The upload changed meanwhile: try again")


def _check_quota(row: Any, default_minutes: int) -> None:
    quota = usage.quota_seconds(row, default_minutes)
    if quota is not None and float(row.audio_seconds or 0) >= quota:
        raise QuotaExceeded(
            detail=f"This month's audio quota ({quota // 60} minutes) is used up; "
            "it renews on the 1st (UTC)"
        )


def _event_params(user_id: UUID, job: Job) -> dict[str, Any]:
    """The `created` event, in the form lifecycle.py gives every event."""
    job_json = msgspec.json.encode(job).decode()
    params = lifecycle.event_params(user_id, job.id, job.status.value, "created", job_json)
    return {**params, "job_json": job_json}


_by_engine: weakref.WeakKeyDictionary[AsyncEngine, JobCreation] = weakref.WeakKeyDictionary()


def job_creation(db_engine: NamedDependency[AsyncEngine]) -> JobCreation:
    """One per engine (an app has one): its statements are compiled once."""
    creation = _by_engine.get(db_engine)
    if creation is None:
        creation = _by_engine[db_engine] = JobCreation(db_engine)
    return creation

"""Administration: users with `is_admin` see every user and job, disable abusers, set
quotas, and retry failed jobs. Everyone else gets 403."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, get, patch, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.accounts import usage
from transcribe.domain.accounts.current_user import CurrentUser, user_of
from transcribe.domain.accounts.deps import user_service_deps
from transcribe.domain.accounts.services import UserService
from transcribe.domain.jobs import actions
from transcribe.domain.jobs.deps import job_service_deps
from transcribe.domain.jobs.schemas import Job
from transcribe.domain.jobs.services import JobService
from transcribe.lib.errors import Forbidden, NotFound
from transcribe.lib.openapi import errors
from transcribe.lib.pagination import MAX_OFFSET, newest_first_page
from transcribe.lib.schema import Schema
from transcribe.queue import LazyQueue

Limit = Annotated[int, Parameter(ge=1, le=100)]
Offset = Annotated[int, Parameter(ge=0, le=MAX_OFFSET)]


async def admins_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not (await user_of(connection)).is_admin:
        raise Forbidden(detail="Administrators only")


ADMINS_ONLY = "The signed-in user is not an admin"


class AdminUser(Schema):
    """A user as an admin sees it: state, quota and this month's usage."""

    id: UUID
    email: str
    created_at: datetime
    email_verified: bool
    is_admin: bool
    disabled: bool
    quota_minutes: int | None
    usage_seconds_this_month: float


class UserChange(Schema):
    """What an admin may change about a user; fields left out stay as they are."""

    disabled: Annotated[bool | None, msgspec.Meta(examples=[True])] = None
    is_admin: Annotated[bool | None, msgspec.Meta(examples=[False])] = None
    # Absent: unchanged; null: back to the service's default; 0: unlimited.
    quota_minutes: (
        Annotated[int, msgspec.Meta(ge=0, le=10000000, examples=[600])] | msgspec.UnsetType | None
    ) = msgspec.UNSET


class AdminJob(Job, kw_only=True):
    """A job of any user, with its owner."""

    user_id: UUID


class Retried(Schema):
    """The job, queued again."""

    id: UUID
    status: m.JobStatus


def _admin_user(user: m.User, usage_seconds_this_month: float) -> AdminUser:
    return AdminUser(
        id=user.id,
        email=user.email,
        created_at=user.created_at,
        email_verified=user.email_verified,
        is_admin=user.is_admin,
        disabled=user.disabled,
        quota_minutes=user.quota_minutes,
        usage_seconds_this_month=usage_seconds_this_month,
    )


class AdminController(Controller):
    path = "/admin"
    tags = ["Administration"]
    guards = [admins_only]
    dependencies = {**user_service_deps, **job_service_deps}

    @get(
        "/users",
        summary="Every user, newest first",
        responses=errors(400, 401, 403, e403=ADMINS_ONLY),
    )
    async def users(
        self,
        users_service: NamedDependency[UserService],
        db_session: NamedDependency[AsyncSession],
        q: Annotated[str | None, Parameter(max_length=320, pattern=r"^[^\x00]*$")] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> OffsetPagination[AdminUser]:
        """Every user, newest first, with this month's usage; `q` filters by email. Admins only."""
        matching = select(m.User)
        if q:
            matching = matching.where(m.User.email.contains(q.lower(), autoescape=True))
        page = await newest_first_page(users_service, limit, offset, statement=matching)
        used = await usage.used_this_month_by(db_session, [row.id for row in page.items])
        return OffsetPagination(
            items=[_admin_user(row, used.get(row.id, 0.0)) for row in page.items],
            limit=limit,
            offset=offset,
            total=page.total,
        )

    @patch(
        "/users/{user_id:uuid}",
        summary="Disable or enable a user, make or unmake an admin, set a quota",
        description="A disabled user's tokens and keys stop working at once. `quota_minutes`: "
        "0 is unlimited, null returns to the service's default. Admins cannot disable or "
        "demote themselves (409), so the service never locks out its last admin by a slip.",
        responses=errors(
            400,
            401,
            403,
            404,
            409,
            e403=ADMINS_ONLY,
            e409="An admin cannot disable or demote themselves",
        ),
    )
    async def change_user(
        self,
        current_user: CurrentUser,
        user_id: FromPath[UUID],
        data: JSONBody[UserChange],
        users_service: NamedDependency[UserService],
        db_session: NamedDependency[AsyncSession],
    ) -> AdminUser:
        user = await users_service.change_as_admin(
            user_id,
            admin=current_user,
            disabled=data.disabled,
            is_admin=data.is_admin,
            quota_minutes=data.quota_minutes,
        )
        return _admin_user(user, await usage.used_this_month(db_session, user.id))

    @get(
        "/jobs",
        summary="Jobs of every user, newest first",
        responses=errors(400, 401, 403, e403=ADMINS_ONLY),
    )
    async def jobs(
        self,
        jobs_service: NamedDependency[JobService],
        status: FromQuery[m.JobStatus | None] = None,
        user_id: FromQuery[UUID | None] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> OffsetPagination[AdminJob]:
        """Every user's jobs, newest first, each with its `user_id`; filter by `status` and
        `user_id`. Admins only.
        """
        by = {"status": status.value} if status is not None else {}
        if user_id is not None:
            by["user_id"] = user_id
        return await newest_first_page(jobs_service, limit, offset, schema_type=AdminJob, **by)

    @post(
        "/jobs/{job_id:uuid}/retry",
        status_code=202,
        summary="Run a failed job again from the start",
        responses=errors(
            401,
            403,
            404,
            409,
            e403=ADMINS_ONLY,
            e409="The job has not failed, or its media was deleted (by the user or by retention)",
        ),
    )
    async def retry_job(
        self,
        job_id: FromPath[UUID],
        db_session: NamedDependency[AsyncSession],
        queue: NamedDependency[LazyQueue],
    ) -> Retried:
        """A failed job goes back to `pending` and is queued again as a fresh submission. 409 if
        it has not failed or its media is gone. Admins only.
        """
        job = await db_session.get(m.TranscriptionJob, job_id)
        if job is None:
            raise NotFound(detail="No such job")
        retried = await actions.retry_failed(db_session, queue, job)
        return Retried(id=retried.id, status=m.JobStatus(retried.status))

"""GET /jobs/{id} and GET /jobs, the reads every client polls, in one round trip at the
driver's speed (db/driver_reads.py says why and how).

Each statement reads the jobs and checks their user in one go (`valid_user_conditions`): a
user deleted or disabled, or a login token issued before the last password change, finds
nothing. Only then is the user read alone, to answer 401 for a stale token rather than 404
(or an empty page).

A page carries its total as a window count over the user's matching jobs: one statement
for the rows and the total. Only a page that shows nothing costs a second statement, which
counts (the window then counts no row) and checks the user.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from advanced_alchemy.service import OffsetPagination
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from transcribe.db import models as m
from transcribe.db.driver_reads import CompiledSelect, DriverConnections
from transcribe.domain.accounts.current_user import STALE_TOKEN, Principal, valid_user_conditions
from transcribe.domain.jobs.schemas import Job
from transcribe.lib.errors import NotAuthenticated, NotFound


class JobReads:
    def __init__(self, engine: AsyncEngine) -> None:
        self._connections = DriverConnections(engine)
        job = m.TranscriptionJob
        # Every field of the response, by its name there (`object_key` is a synonym).
        of_user = (
            select(*(getattr(job, name).label(name) for name in Job.__struct_fields__))
            .join(m.User, m.User.id == job.user_id)
            .where(job.id == bindparam("job_id"))
        )
        user, version = bindparam("user_id"), bindparam("version")
        self._of_token_user = CompiledSelect(
            of_user.where(*valid_user_conditions(user, version)), engine
        )
        # An API key's user was checked, version and all, with the key.
        self._of_key_user = CompiledSelect(
            of_user.where(*valid_user_conditions(user, None)), engine
        )
        self._token_user = CompiledSelect(
            select(m.User.id).where(*valid_user_conditions(user, version)), engine
        )
        # GET /jobs: by token or by key, with or without a status.
        self._pages = {
            (by_token, by_status): CompiledSelect(
                _newest_first(_page_of(by_status), version if by_token else None), engine
            )
            for by_token in (True, False)
            for by_status in (True, False)
        }
        self._counts = {
            (by_token, by_status): CompiledSelect(
                select(
                    select(func.count())
                    .select_from(job)
                    .where(*_of_user_with_status(by_status))
                    .scalar_subquery()
                    .label("total")
                ).where(*valid_user_conditions(user, version if by_token else None)),
                engine,
            )
            for by_token in (True, False)
            for by_status in (True, False)
        }

    async def owned(self, principal: Principal, job_id: UUID) -> Job:
        """The principal's job; NotFound for another user's or none, NotAuthenticated when
        the token went stale."""
        params = {
            "job_id": job_id,
            "user_id": principal.user_id,
            "version": principal.token_version,
        }
        by_token = principal.token_version is not None

        async def read(connection: asyncpg.Connection) -> tuple[asyncpg.Record | None, bool]:
            statement = self._of_token_user if by_token else self._of_key_user
            row = await statement.fetchrow(connection, **params)
            stale = (
                row is None
                and by_token
                and await self._token_user.fetchrow(connection, **params) is None
            )
            return row, stale

        row, stale = await self._connections.run(read)
        if stale:
            raise NotAuthenticated(STALE_TOKEN)
        if row is None:
            raise NotFound(detail="No such job")
        return msgspec.convert(dict(row), Job)

    async def page(
        self, principal: Principal, status: str | None, limit: int, offset: int
    ) -> OffsetPagination[Job]:
        """The principal's jobs, newest first (`status`'s only, if given), and their total;
        NotAuthenticated when the token went stale."""
        key = (principal.token_version is not None, status is not None)
        params = {
            "user_id": principal.user_id,
            "version": principal.token_version,
            "status": status,
            "limit": limit,
            "offset": offset,
        }

        async def read(connection: asyncpg.Connection) -> tuple[list[asyncpg.Record], int | None]:
            page = self._pages[key]
            rows = await connection.fetch(page.sql, *page.arguments(params))
            if rows:
                return rows, rows[0]["total"]
            counted = await self._counts[key].fetchrow(connection, **params)
            return rows, None if counted is None else counted["total"]

        rows, total = await self._connections.run(read)
        if total is None:
            raise NotAuthenticated(STALE_TOKEN)
        items = [dict(row) for row in rows]
        for item in items:
            del item["total"]
        return OffsetPagination(
            items=msgspec.convert(items, list[Job]), limit=limit, offset=offset, total=total
        )


def _of_user_with_status(by_status: bool) -> list[Any]:
    job = m.TranscriptionJob
    conditions = [job.user_id == bindparam("user_id")]
    if by_status:
        conditions.append(job.status == bindparam("status"))
    return conditions


def _page_of(by_status: bool) -> Select[Any]:
    job = m.TranscriptionJob
    return (
        select(
            *(getattr(job, name).label(name) for name in Job.__struct_fields__),
            func.count().over().label("total"),
        )
        .join(m.User, m.User.id == job.user_id)
        .where(*_of_user_with_status(by_status))
    )


def _newest_first(page: Select[Any], version: Any) -> Select[Any]:
    """Newest first, as every listing (lib/pagination.NEWEST_FIRST); the user checked."""
    job = m.TranscriptionJob
    return (
        page.where(*valid_user_conditions(bindparam("user_id"), version))
        .order_by(job.created_at.desc(), job.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )

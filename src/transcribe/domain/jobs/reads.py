"""GET /jobs/{id}, the read every client polls, in one round trip at the driver's speed
(db/driver_reads.py says why and how).

The statement reads the job and checks its user in one go (`valid_user_conditions`): a user
deleted or disabled, or a login token issued before the last password change, finds nothing.
Only then is the user read alone, to answer 401 for a stale token rather than 404.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec
from sqlalchemy import bindparam, select
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

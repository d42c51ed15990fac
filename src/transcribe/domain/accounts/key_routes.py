"""`/api-keys`: keys for scripts and servers, each shown once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.accounts import api_keys
from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.lib.errors import InvalidInput
from transcribe.lib.openapi import errors
from transcribe.lib.schema import NoNul, Schema
from transcribe.lib.text import printable


class KeyCreate(Schema):
    """A name to recognise the key by (the script or server that uses it)."""

    name: Annotated[
        str, NoNul, msgspec.Meta(min_length=1, max_length=100, examples=["nightly import"])
    ]


class Key(Schema):
    """An API key as listed: its prefix, never the key."""

    id: UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class CreatedKey(Schema):
    """A new API key; `key` is shown this once and cannot be recovered."""

    id: UUID
    name: str
    key: Annotated[str, msgspec.Meta(description="`trk_...`: shown this once")]
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class KeyPage(Schema):
    """Your API keys."""

    items: list[Key]
    total: int


class ApiKeyController(Controller):
    path = "/api-keys"
    tags = ["API keys"]
    guards = [api_keys.login_token_only]

    @post(
        "/",
        status_code=201,
        summary="Create an API key (shown once)",
        description="Use it as `Authorization: Bearer trk_...` on every route but these and "
        "account management. At most 25 keys per user.",
        responses=errors(400, 401, 403, 409, e403="An API key was used", e409="Too many keys"),
    )
    async def create_key(
        self,
        current_user: CurrentUser,
        data: JSONBody[KeyCreate],
        db_session: NamedDependency[AsyncSession],
    ) -> CreatedKey:
        name = printable(data.name)
        if not name:
            raise InvalidInput(detail="The key needs a name")
        row, key = await api_keys.create(db_session, current_user.id, name)
        return CreatedKey(
            id=row.id,
            name=row.name,
            key=key,
            prefix=row.prefix,
            created_at=row.created_at,
            last_used_at=None,
        )

    @get(
        "/",
        summary="Your API keys",
        responses=errors(401, 403, e403="An API key was used: keys are managed with a login"),
    )
    async def list_keys(
        self, current_user: CurrentUser, db_session: NamedDependency[AsyncSession]
    ) -> KeyPage:
        """Keys are listed by their prefix (the key itself is shown only when it is created), with
        when each was last used.
        """
        rows = list(
            await db_session.scalars(
                select(m.ApiKey)
                .where(m.ApiKey.user_id == current_user.id)
                .order_by(m.ApiKey.created_at)
            )
        )
        return KeyPage(
            items=[
                Key(
                    id=r.id,
                    name=r.name,
                    prefix=r.prefix,
                    created_at=r.created_at,
                    last_used_at=r.last_used_at,
                )
                for r in rows
            ],
            total=len(rows),
        )

    @delete(
        "/{key_id:uuid}",
        status_code=204,
        summary="Revoke an API key (it stops working at once)",
        responses=errors(401, 403, 404, e403="An API key was used: keys are managed with a login"),
    )
    async def delete_key(
        self,
        current_user: CurrentUser,
        key_id: FromPath[UUID],
        db_session: NamedDependency[AsyncSession],
    ) -> None:
        """The key stops working at once. Needs a login token: a key cannot revoke keys."""
        await api_keys.revoke(db_session, current_user.id, key_id)

"""Who a request is from: `principal` (what its credentials say, no database read) and
`current_user` (the user's row, read and checked once per request).

Authenticated reads cost one database round trip: a login token is checked without the
database, and the route's own query checks the user's state in the same statement
(`Principal.still_valid`), so a deleted or disabled user, or one whose password changed,
is refused at once by every process. Safe methods (GET, HEAD) run their statements without
a transaction: nothing to BEGIN or COMMIT for a read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias
from uuid import UUID

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.lib.errors import NotAuthenticated

SAFE_METHODS = frozenset({"GET", "HEAD"})
ALCHEMY_STATE_KEY = "alchemy_config"  # app.state: the SQLAlchemy config, for guards
STALE_TOKEN = "This token is no longer valid (the account changed or is gone): log in again"  # noqa: S105 - a message


@dataclass
class Principal:
    """`request.user`: the user id the credentials name. A login token carries the user's
    `token_version`; an API key's user was read (and checked) with the key."""

    user_id: UUID
    token_version: int | None
    user: m.User | None = None

    def still_valid(self) -> list[ColumnElement[bool]]:
        """Conditions on `users`, for a query joined to it: the user exists, is enabled and
        (for a login token) has not changed the password since the token was issued."""
        return valid_user_conditions(self.user_id, self.token_version)

    async def load(self, session: AsyncSession) -> m.User:
        """The user's row, once per request; NotAuthenticated when the token went stale."""
        if self.user is None:
            user = await session.get(m.User, self.user_id)
            if (
                user is None
                or not user.can_use_service
                or (self.token_version is not None and user.token_version != self.token_version)
            ):
                raise NotAuthenticated(STALE_TOKEN)
            self.user = user
        return self.user


def valid_user_conditions(user_id: Any, token_version: Any | None) -> list[ColumnElement[bool]]:
    """`Principal.still_valid`, for values or for bound parameters of a prebuilt statement
    (an API key's principal has no token version: its key was checked with the user)."""
    conditions = [m.User.id == user_id, m.User.can_use_service]
    if token_version is not None:
        conditions.append(m.User.token_version == token_version)
    return conditions


async def read_without_transaction(request: Request[Any, Any, Any], session: AsyncSession) -> None:
    """For GET and HEAD, the session's connection autocommits: no BEGIN, no COMMIT."""
    if request.method in SAFE_METHODS and not session.in_transaction():
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


async def _principal(
    request: Request[Principal, Any, Any], db_session: NamedDependency[AsyncSession]
) -> Principal:
    await read_without_transaction(request, db_session)
    return request.user


async def _current_user(
    request: Request[Principal, Any, Any], db_session: NamedDependency[AsyncSession]
) -> m.User:
    await read_without_transaction(request, db_session)
    return await request.user.load(db_session)


provide_principal = Provide(_principal)
provide_current_user = Provide(_current_user)
CurrentPrincipal: TypeAlias = NamedDependency[Principal]
CurrentUser: TypeAlias = NamedDependency[m.User]


def session_of(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
    """The request's own session (the one `db_session` provides), for a handler that needs
    one only on some of its paths: a dependency would be built for every request."""
    alchemy = connection.app.state[ALCHEMY_STATE_KEY]
    return alchemy.provide_session(connection.app.state, connection.scope)


async def user_of(connection: ASGIConnection[Any, Principal, Any, Any]) -> m.User:
    """`current_user` for a guard, from the request's own session."""
    return await connection.user.load(session_of(connection))

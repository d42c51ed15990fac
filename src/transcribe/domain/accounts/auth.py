"""Bearer-token auth: Litestar's JWTAuth (pyjwt), HS256, with sub/exp/iat required."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import structlog
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar.security.jwt import JWTAuth, Token

from transcribe.db import models as m
from transcribe.settings import Settings

PUBLIC_PATHS = ["^/schema", "^/health$", "^/ready$", "^/metrics$"]


class TokenIssuer:
    """Hands out access tokens; the controller needs no more of JWTAuth than this.

    A plain class on purpose: Litestar's signature model walks dataclass fields, and
    JWTAuth's annotations do not resolve at run time.
    """

    def __init__(self, jwt_auth: JWTAuth[m.User], ttl_s: int) -> None:
        self.jwt_auth = jwt_auth
        self.ttl_s = ttl_s

    def issue(self, user: m.User) -> str:
        # `ver` ties the token to the password it was issued under (see retrieve_user).
        return self.jwt_auth.create_token(
            identifier=str(user.id), token_extras={"ver": user.token_version}
        )


def build_jwt_auth(settings: Settings, alchemy: SQLAlchemyAsyncConfig) -> JWTAuth[m.User]:
    async def retrieve_user(token: Token, connection: Any) -> m.User | None:
        try:
            user_id = UUID(token.sub)
        except ValueError:
            return None
        session = alchemy.provide_session(connection.app.state, connection.scope)
        user = await session.get(m.User, user_id)
        if user is None or user.disabled or token.extras.get("ver", 0) != user.token_version:
            return None  # gone, disabled, or the password changed since the token was issued
        if user is not None:
            structlog.contextvars.bind_contextvars(user_id=str(user.id))
        return user

    return JWTAuth[m.User](
        retrieve_user_handler=retrieve_user,
        token_secret=settings.auth.jwt_secret,
        algorithm="HS256",
        default_token_expiration=timedelta(seconds=settings.auth.access_token_ttl_s),
        require_claims=["exp", "sub", "iat"],
        exclude=PUBLIC_PATHS,
        description="Access token from POST /auth/login, as `Authorization: Bearer <token>`.",
    )

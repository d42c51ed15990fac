"""Bearer-token auth: Litestar's JWTAuth (pyjwt), HS256, with sub/exp/iat required; API keys
(`trk_...`) accepted in the same header."""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import timedelta
from typing import Any
from uuid import UUID

import jwt
import structlog
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AuthenticationResult
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token

from transcribe.db import models as m
from transcribe.domain.accounts import api_keys
from transcribe.domain.accounts.current_user import Principal
from transcribe.lib.http import bearer_token
from transcribe.settings import Settings

# Litestar's own OpenAPI routes; every route of ours that needs no token says so itself
# (`exclude_from_auth=True`), which is also what marks it public in the OpenAPI document.
PUBLIC_PATHS = ["^/schema"]


class TokenIssuer:
    """Hands out access tokens; the controller needs no more of JWTAuth than this.

    A plain class on purpose: Litestar's signature model walks dataclass fields, and
    JWTAuth's annotations do not resolve at run time.
    """

    def __init__(self, jwt_auth: JWTAuth[Principal], ttl_s: int) -> None:
        self.jwt_auth = jwt_auth
        self.ttl_s = ttl_s

    def issue(self, user: m.User) -> str:
        # `ver` ties the token to the password it was issued under (see retrieve_user).
        return self.jwt_auth.create_token(
            identifier=str(user.id), token_extras={"ver": user.token_version}
        )


class VerifiedTokens:
    """Tokens whose signature and claims were checked, until they expire: a client sends the
    same token on every request, and checking it again (base64, JSON, HMAC) is a tenth of a
    fast read. Only the token's own claims are remembered; the user's state is checked by
    each request's query (see current_user). Bounded: the oldest entries go first."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        # token -> (its result, its expiry as a POSIX time: cheaper to compare than datetimes)
        self._results: OrderedDict[str, tuple[AuthenticationResult, float]] = OrderedDict()

    def get(self, encoded: str) -> AuthenticationResult | None:
        known = self._results.get(encoded)
        if known is None:
            return None
        result, expires = known
        if expires <= time.time():
            del self._results[encoded]
            return None
        structlog.contextvars.bind_contextvars(user_id=str(result.user.user_id))
        # A fresh Principal per request: `load` caches the user row on it.
        return AuthenticationResult(
            user=Principal(result.user.user_id, result.user.token_version), auth=result.auth
        )

    def put(self, encoded: str, result: AuthenticationResult) -> None:
        self._results[encoded] = (result, result.auth.exp.timestamp())
        if len(self._results) > self.size:
            self._results.popitem(last=False)


EXPIRED = "The access token has expired: get a new one with POST /auth/refresh"


def _token_refused(refused: NotAuthorizedException) -> NotAuthorizedException:
    """Litestar says "Invalid token" for every bad JWT; an expired one says so (RFC 6750's
    `invalid_token` with a description), so that clients know to refresh, not to sign in."""
    if isinstance(refused.__cause__, jwt.ExpiredSignatureError):
        detail, why = EXPIRED, "The access token expired"
    else:
        detail, why = refused.detail or "Invalid token", "The access token is invalid"
    return NotAuthorizedException(
        detail=detail,
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{why}"'},
    )


def build_jwt_auth(settings: Settings, alchemy: SQLAlchemyAsyncConfig) -> JWTAuth[Principal]:
    verified = VerifiedTokens()

    async def retrieve_user(token: Token, connection: Any) -> Principal | None:
        # No database read here: whether the user still exists, is enabled and kept the
        # password the token was issued under (`ver`) is checked by the route's own query.
        try:
            user_id = UUID(token.sub)
            version = int(token.extras.get("ver", 0))
        except (ValueError, TypeError):
            return None
        structlog.contextvars.bind_contextvars(user_id=str(user_id))
        return Principal(user_id, version)

    class KeyOrTokenMiddleware(JWTAuthenticationMiddleware):
        """Bearer `trk_...` is an API key; anything else must be one of our JWTs."""

        async def authenticate_request(
            self, connection: ASGIConnection[Any, Any, Any, Any]
        ) -> AuthenticationResult:
            # Only the Bearer scheme (its name case-insensitive, RFC 7235); Litestar's own
            # reader would take the token after any word ("Token ...", "Basic ...").
            token = bearer_token(connection.headers.get(self.auth_header, ""))
            if token is None:
                raise NotAuthorizedException(
                    detail="Send the token as `Authorization: Bearer <token>`",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            return await self.authenticate_token(token, connection)

        async def authenticate_token(
            self, encoded_token: str, connection: ASGIConnection[Any, Any, Any, Any]
        ) -> AuthenticationResult:
            if not encoded_token.startswith(api_keys.PREFIX):
                if (known := verified.get(encoded_token)) is not None:
                    return known
                try:
                    result = await super().authenticate_token(encoded_token, connection)
                except NotAuthorizedException as refused:
                    raise _token_refused(refused) from refused
                verified.put(encoded_token, result)
                return result
            session = alchemy.provide_session(connection.app.state, connection.scope)
            found = await api_keys.user_for_key(session, encoded_token)
            if found is None:
                raise NotAuthorizedException(detail="Unknown or revoked API key")
            user, key_id = found
            structlog.contextvars.bind_contextvars(user_id=str(user.id))
            return AuthenticationResult(
                user=Principal(user.id, None, user), auth=api_keys.ApiKeyAuth(key_id)
            )

    return JWTAuth[Principal](
        retrieve_user_handler=retrieve_user,
        authentication_middleware_class=KeyOrTokenMiddleware,
        token_secret=settings.auth.jwt_secret,
        algorithm="HS256",
        default_token_expiration=timedelta(seconds=settings.auth.access_token_ttl_s),
        require_claims=["exp", "sub", "iat"],
        exclude=PUBLIC_PATHS,
        description="Access token from POST /auth/login, or an API key (`trk_...`), as "
        "`Authorization: Bearer <token>`.",
    )

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from transcribe.db import models as m
from transcribe.domain.accounts.auth import TokenIssuer
from transcribe.domain.accounts.deps import user_service_deps
from transcribe.domain.accounts.emails import normalize_email
from transcribe.domain.accounts.schemas import AccessToken, Account, Credentials, LoginCredentials
from transcribe.domain.accounts.services import UserService
from transcribe.domain.accounts.throttle import LoginThrottle
from transcribe.lib.openapi import errors
from transcribe.settings import Settings


class AccountController(Controller):
    path = "/auth"
    tags = ["Accounts"]
    dependencies = user_service_deps

    @post(
        "/register",
        exclude_from_auth=True,
        status_code=201,
        summary="Create an account",
        responses=errors(400, 409, e409="An account with this email exists (case-insensitive)"),
    )
    async def register(
        self, users_service: NamedDependency[UserService], data: JSONBody[Credentials]
    ) -> Account:
        user = await users_service.register(data.email, data.password)
        return users_service.to_schema(user, schema_type=Account)

    @post(
        "/login",
        exclude_from_auth=True,
        status_code=200,
        summary="Exchange credentials for a token",
        responses=errors(400, 401, 429, e401="Wrong email or password (one answer for both)"),
    )
    async def login(
        self,
        request: Request,
        users_service: NamedDependency[UserService],
        settings: NamedDependency[Settings],
        token_issuer: NamedDependency[TokenIssuer],
        data: JSONBody[LoginCredentials],
    ) -> AccessToken:
        throttle = LoginThrottle(
            session=users_service.repository.session,
            window_s=settings.auth.login_window_s,
            max_per_email=settings.auth.login_max_failures_per_email,
            max_per_client=settings.auth.login_max_failures_per_client,
        )
        client = request.client.host if request.client else "unknown"
        email_key, client_key = throttle.keys(normalize_email(data.email), client)
        await throttle.check(email_key, client_key)
        try:
            user = await users_service.authenticate(data.email, data.password)
        except Exception:
            await throttle.record_failure(email_key, client_key)
            raise
        await throttle.reset(email_key)
        return AccessToken(access_token=token_issuer.issue(user.id), expires_in=token_issuer.ttl_s)

    @get("/me", summary="The signed-in account", responses=errors(401))
    async def me(
        self, request: Request[m.User, object, object], users_service: NamedDependency[UserService]
    ) -> Account:
        return users_service.to_schema(request.user, schema_type=Account)

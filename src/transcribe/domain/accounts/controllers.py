from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.accounts import api_keys, sessions, usage
from transcribe.domain.accounts.auth import TokenIssuer
from transcribe.domain.accounts.deps import user_service_deps
from transcribe.domain.accounts.emails import normalize_email
from transcribe.domain.accounts.schemas import (
    AccessToken,
    Account,
    Credentials,
    LoginCredentials,
    PasswordChange,
    RefreshRequest,
    Usage,
    UsagePeriod,
)
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
        responses=errors(
            400,
            409,
            429,
            e409="An account with this email exists (case-insensitive)",
            e429="Too many registrations from this address; see Retry-After",
        ),
    )
    async def register(
        self,
        request: Request,
        users_service: NamedDependency[UserService],
        settings: NamedDependency[Settings],
        data: JSONBody[Credentials],
    ) -> Account:
        # Every attempt counts (taken emails included), before any password is hashed.
        throttle = LoginThrottle(
            session=users_service.repository.session,
            window_s=settings.auth.login_window_s,
            max_per_email=settings.auth.login_max_failures_per_email,
            max_per_client=settings.auth.login_max_failures_per_client,
        )
        client = request.client.host if request.client else "unknown"
        key = f"register:{client[:64]}"
        await throttle.check_key(
            key, settings.auth.register_max_per_client, "Too many registrations; try again later"
        )
        await throttle.record_failure(key)
        user = await users_service.register(data.email, data.password)
        return users_service.to_schema(user, schema_type=Account)

    @post(
        "/login",
        exclude_from_auth=True,
        status_code=200,
        summary="Exchange credentials for an access token and a refresh token",
        responses=errors(
            400,
            401,
            403,
            429,
            e401="Wrong email or password (one answer for both)",
            e403="The account is disabled",
        ),
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
        if user.disabled:
            raise PermissionDeniedException(detail="This account is disabled")
        refresh = await sessions.issue(
            users_service.repository.session, user.id, settings.auth.refresh_token_ttl_s
        )
        return _token_pair(token_issuer, user, refresh)

    @post(
        "/refresh",
        exclude_from_auth=True,
        status_code=200,
        summary="A new access token (and refresh token) for a refresh token",
        description="The refresh token is spent: use the new one next time. A spent token "
        "presented again revokes every token of that login.",
        responses=errors(400, 401, e401="Unknown, expired, revoked or already used"),
    )
    async def refresh(
        self,
        users_service: NamedDependency[UserService],
        settings: NamedDependency[Settings],
        token_issuer: NamedDependency[TokenIssuer],
        data: JSONBody[RefreshRequest],
    ) -> AccessToken:
        user, refresh = await sessions.rotate(
            users_service.repository.session, data.refresh_token, settings.auth.refresh_token_ttl_s
        )
        return _token_pair(token_issuer, user, refresh)

    @post(
        "/logout",
        exclude_from_auth=True,
        status_code=204,
        summary="Revoke a refresh token and every token issued from the same login",
        responses=errors(400),
    )
    async def logout(
        self, users_service: NamedDependency[UserService], data: JSONBody[RefreshRequest]
    ) -> None:
        await sessions.revoke_by_token(users_service.repository.session, data.refresh_token)

    @post(
        "/password",
        status_code=204,
        guards=[api_keys.login_token_only],
        summary="Change your password",
        description="Every refresh token is revoked, and access tokens issued before the change "
        "stop working: log in again.",
        responses=errors(400, 401, 403, e401="Wrong current password", e403="An API key was used"),
    )
    async def change_password(
        self,
        request: Request[m.User, object, object],
        users_service: NamedDependency[UserService],
        data: JSONBody[PasswordChange],
    ) -> None:
        await users_service.change_password(request.user, data.current_password, data.new_password)
        await sessions.revoke_all(users_service.repository.session, request.user.id)

    @get("/me", summary="The signed-in account", responses=errors(401))
    async def me(
        self, request: Request[m.User, object, object], users_service: NamedDependency[UserService]
    ) -> Account:
        return users_service.to_schema(request.user, schema_type=Account)


def _token_pair(
    issuer: TokenIssuer, user: m.User, refresh: sessions.NewRefreshToken
) -> AccessToken:
    return AccessToken(
        access_token=issuer.issue(user),
        expires_in=issuer.ttl_s,
        refresh_token=refresh.token,
        refresh_expires_in=refresh.expires_in,
    )


class UsageController(Controller):
    path = "/usage"
    tags = ["Accounts"]

    @get(
        "/",
        summary="Audio you transcribed this month, your quota, and past months",
        description="Calendar months in UTC; audio seconds of completed jobs, counted when "
        "each completes. `quota_seconds` is null when unlimited.",
        responses=errors(401),
    )
    async def my_usage(
        self,
        request: Request[m.User, object, object],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Usage:
        start = usage.month_of(datetime.now(UTC))
        history = await usage.months(db_session, request.user.id)
        current = next((row for row in history if row.period_start == start), None)
        return Usage(
            period_start=start,
            period_end=usage.next_month(start),
            audio_seconds=current.audio_seconds if current else 0.0,
            jobs_completed=current.jobs_completed if current else 0,
            quota_seconds=usage.quota_seconds(
                request.user, settings.auth.quota_monthly_audio_minutes
            ),
            history=[
                UsagePeriod(
                    period_start=row.period_start,
                    audio_seconds=row.audio_seconds,
                    jobs_completed=row.jobs_completed,
                )
                for row in history
            ],
        )

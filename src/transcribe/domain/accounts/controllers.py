from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.accounts import usage
from transcribe.domain.accounts.auth import TokenIssuer
from transcribe.domain.accounts.deps import user_service_deps
from transcribe.domain.accounts.emails import normalize_email
from transcribe.domain.accounts.schemas import (
    AccessToken,
    Account,
    Credentials,
    LoginCredentials,
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

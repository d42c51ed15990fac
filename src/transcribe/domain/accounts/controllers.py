from __future__ import annotations

import logging
from datetime import UTC, datetime

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import (
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.accounts import (
    account_tokens,
    api_keys,
    deletion,
    mail_tasks,
    sessions,
    usage,
)
from transcribe.domain.accounts.auth import TokenIssuer
from transcribe.domain.accounts.deps import user_service_deps
from transcribe.domain.accounts.emails import normalize_email
from transcribe.domain.accounts.passwords import verify_password
from transcribe.domain.accounts.schemas import (
    Accepted,
    AccessToken,
    Account,
    AccountDeletion,
    Credentials,
    EmailToken,
    LoginCredentials,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    Usage,
    UsagePeriod,
)
from transcribe.domain.accounts.services import UserService
from transcribe.domain.accounts.throttle import LoginThrottle
from transcribe.lib.openapi import errors
from transcribe.queue import LazyQueue
from transcribe.settings import Settings

log = logging.getLogger(__name__)


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
        queue: NamedDependency[LazyQueue],
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
        await users_service.repository.session.commit()
        try:
            await mail_tasks.defer_verification(await queue.get(), user.id)
        except Exception:  # the account stands; the user can ask for the email again
            log.exception("could not queue the verification email of %s", user.id)
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

    @delete(
        "/me",
        status_code=204,
        guards=[api_keys.login_token_only],
        summary="Delete your account and everything in it",
        description="Uploads, jobs, transcripts, result files, API keys, webhooks and tokens "
        "are deleted; media and results leave storage, and transcripts leave the provider, "
        "shortly after.",
        responses=errors(400, 401, 403, e401="Wrong password", e403="An API key was used"),
    )
    async def delete_me(
        self,
        request: Request[m.User, object, object],
        users_service: NamedDependency[UserService],
        queue: NamedDependency[LazyQueue],
        data: JSONBody[AccountDeletion],
    ) -> None:
        session = users_service.repository.session
        if not await verify_password(request.user.password_hash, data.password):
            raise NotAuthorizedException(detail="The password is wrong")
        user_id = request.user.id
        provider_job_ids = await deletion.delete_account(session, request.user)
        app = await queue.get()  # before committing: if the queue is down, nothing is deleted
        await session.commit()
        await deletion.defer_purge(app, user_id, provider_job_ids)

    @get("/me", summary="The signed-in account", responses=errors(401))
    async def me(
        self, request: Request[m.User, object, object], users_service: NamedDependency[UserService]
    ) -> Account:
        return users_service.to_schema(request.user, schema_type=Account)


class EmailController(Controller):
    """Verification and password reset: links sent by email, single-use, expiring."""

    path = "/auth"
    tags = ["Accounts"]
    dependencies = user_service_deps

    @post(
        "/verify-email",
        exclude_from_auth=True,
        status_code=204,
        summary="Confirm an email address with the token from the verification email",
        responses=errors(400, e400="A bad, used or expired token"),
    )
    async def verify_email(
        self, users_service: NamedDependency[UserService], data: JSONBody[EmailToken]
    ) -> None:
        session = users_service.repository.session
        user = await account_tokens.spend(session, data.token, m.TokenPurpose.VERIFY_EMAIL)
        if user is None:
            raise ValidationException(detail="This link is not valid (any more): ask for a new one")
        user.email_verified = True

    @post(
        "/verify-email/resend",
        status_code=202,
        summary="Send the verification email again",
        responses=errors(401, 429),
    )
    async def resend_verification(
        self,
        request: Request[m.User, object, object],
        users_service: NamedDependency[UserService],
        settings: NamedDependency[Settings],
        queue: NamedDependency[LazyQueue],
    ) -> Accepted:
        throttle = _throttle(users_service, settings)
        key = f"verify:{request.user.id}"
        await throttle.check_key(key, EMAILS_PER_WINDOW, "Too many emails asked for; try later")
        await throttle.record_failure(key)
        if not request.user.email_verified:
            await mail_tasks.defer_verification(await queue.get(), request.user.id)
        return Accepted(detail="Unless the address is verified already, an email is on its way")

    @post(
        "/password-reset",
        exclude_from_auth=True,
        status_code=202,
        summary="Email a password reset link (the same answer whether or not the email is known)",
        responses=errors(400, 429),
    )
    async def request_password_reset(
        self,
        request: Request,
        users_service: NamedDependency[UserService],
        settings: NamedDependency[Settings],
        queue: NamedDependency[LazyQueue],
        data: JSONBody[PasswordResetRequest],
    ) -> Accepted:
        throttle = _throttle(users_service, settings)
        client = request.client.host if request.client else "unknown"
        email_key, client_key = throttle.keys(normalize_email(data.email), client)
        for key in (f"reset-{email_key}", f"reset-{client_key}"):
            await throttle.check_key(key, EMAILS_PER_WINDOW, "Too many reset requests; try later")
        await throttle.record_failure(f"reset-{email_key}", f"reset-{client_key}")
        # The same work for every address: the task finds out whether there is an account.
        await mail_tasks.defer_password_reset(await queue.get(), normalize_email(data.email))
        return Accepted(detail="If an account has this address, an email is on its way")

    @post(
        "/password-reset/confirm",
        exclude_from_auth=True,
        status_code=204,
        summary="Set a new password with the token from the reset email",
        description="As for a password change: every session of the account ends.",
        responses=errors(400, e400="A bad, used or expired token, or a bad password"),
    )
    async def confirm_password_reset(
        self, users_service: NamedDependency[UserService], data: JSONBody[PasswordResetConfirm]
    ) -> None:
        session = users_service.repository.session
        user = await account_tokens.spend(session, data.token, m.TokenPurpose.RESET_PASSWORD)
        if user is None:
            raise ValidationException(detail="This link is not valid (any more): ask for a new one")
        await users_service.set_password(user, data.new_password)
        await sessions.revoke_all(session, user.id)


EMAILS_PER_WINDOW = 5


def _throttle(users_service: UserService, settings: Settings) -> LoginThrottle:
    return LoginThrottle(
        session=users_service.repository.session,
        window_s=settings.auth.login_window_s,
        max_per_email=settings.auth.login_max_failures_per_email,
        max_per_client=settings.auth.login_max_failures_per_client,
    )


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

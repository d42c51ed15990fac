"""Verification and password-reset routes: links sent by email, single-use, expiring."""

from __future__ import annotations

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from transcribe.db import models as m
from transcribe.domain.accounts import account_tokens, mail_tasks, sessions
from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.accounts.deps import user_service_deps
from transcribe.domain.accounts.emails import normalize_email
from transcribe.domain.accounts.schemas import (
    Accepted,
    EmailToken,
    PasswordResetConfirm,
    PasswordResetRequest,
)
from transcribe.domain.accounts.services import UserService
from transcribe.domain.accounts.throttle import LoginThrottle
from transcribe.lib.errors import InvalidInput
from transcribe.lib.http import client_address
from transcribe.lib.openapi import errors
from transcribe.queue import LazyQueue
from transcribe.settings import Settings

EMAILS_PER_WINDOW = 5  # verification or reset emails one address may ask for per window


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
        """Spends the token from the emailed link; `email_verified` becomes true. A used, expired
        or unknown token gets 400.
        """
        session = users_service.repository.session
        user = await account_tokens.spend(session, data.token, m.TokenPurpose.VERIFY_EMAIL)
        if user is None:
            raise InvalidInput(detail="This link is not valid (any more): ask for a new one")
        await users_service.verify_email(user)

    @post(
        "/verify-email/resend",
        status_code=202,
        summary="Send the verification email again",
        responses=errors(401, 429),
    )
    async def resend_verification(
        self,
        current_user: CurrentUser,
        users_service: NamedDependency[UserService],
        settings: NamedDependency[Settings],
        queue: NamedDependency[LazyQueue],
    ) -> Accepted:
        """Sends a new verification link (the previous one stops working). A few per window, then
        429.
        """
        throttle = LoginThrottle.from_settings(users_service.repository.session, settings.auth)
        key = f"verify:{current_user.id}"
        await throttle.check_key(key, EMAILS_PER_WINDOW, "Too many emails asked for; try later")
        await throttle.record_failure(key)
        if not current_user.email_verified:
            await mail_tasks.defer_verification(await queue.get(), current_user.id)
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
        """Answers 202 for any address, in the same time, so it tells nobody whether an account
        exists. If one does, an email with a single-use link valid for PASSWORD_RESET_TTL_S is
        sent.
        """
        throttle = LoginThrottle.from_settings(users_service.repository.session, settings.auth)
        client = client_address(request, settings.trusted_proxy_hops)
        keys = throttle.keys(normalize_email(data.email), client)
        # One address gets a few emails; one client (an office behind NAT) may ask for many.
        limits = ((keys.email, EMAILS_PER_WINDOW), (keys.client, throttle.max_per_client))
        for key, limit in limits:
            await throttle.check_key(f"reset-{key}", limit, "Too many reset requests; try later")
        await throttle.record_failure(f"reset-{keys.email}", f"reset-{keys.client}")
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
            raise InvalidInput(detail="This link is not valid (any more): ask for a new one")
        await users_service.set_password(user, data.new_password)
        await sessions.revoke_all(session, user.id)

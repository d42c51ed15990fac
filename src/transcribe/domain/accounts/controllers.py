from __future__ import annotations

import logging

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from transcribe.db import models as m
from transcribe.domain.accounts import api_keys, deletion, mail_tasks, sessions
from transcribe.domain.accounts.auth import TokenIssuer
from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.accounts.deps import user_service_deps
from transcribe.domain.accounts.emails import normalize_email
from transcribe.domain.accounts.passwords import verify_password
from transcribe.domain.accounts.schemas import (
    AccessToken,
    Account,
    AccountDeletion,
    Credentials,
    LoginCredentials,
    PasswordChange,
    RefreshRequest,
)
from transcribe.domain.accounts.services import UserService
from transcribe.domain.accounts.throttle import LoginThrottle
from transcribe.lib.errors import Forbidden, NotAuthenticated
from transcribe.lib.http import client_address
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
        """Creates the account and emails a verification link. The email is matched
        case-insensitively; the password needs 8 to 128 characters. Too many registrations from
        one client address get 429.
        """
        # Every attempt counts (taken emails included), before any password is hashed.
        throttle = LoginThrottle.from_settings(users_service.repository.session, settings.auth)
        client = client_address(request, settings.trusted_proxy_hops)
        key = f"register:{client[:64]}"
        await throttle.check_key(
            key, settings.auth.register_max_per_client, "Too many registrations; try again later"
        )
        await throttle.record_failure(key)
        user = await users_service.register(data.email, data.password)
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
        """A short-lived access token (`expires_in` seconds) and a refresh token to renew it at
        POST /auth/refresh. Wrong email and wrong password get the same 401; repeated failures
        per email and per client address get 429 with Retry-After; a disabled account gets 403.
        """
        throttle = LoginThrottle.from_settings(users_service.repository.session, settings.auth)
        client = client_address(request, settings.trusted_proxy_hops)
        keys = throttle.keys(normalize_email(data.email), client)
        await throttle.check(keys)
        try:
            user = await users_service.authenticate(data.email, data.password)
        except Exception:
            await throttle.record_failure(keys.client, keys.pair)
            raise
        # This address got in: its failures for the email go; other addresses' stay.
        await throttle.reset(keys.pair)
        if not user.can_use_service:
            raise Forbidden(detail="This account is disabled")
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
        """Revokes the refresh token and every token issued from the same login. Answers 204
        whatever the token, so it cannot be used to test tokens.
        """
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
        current_user: CurrentUser,
        users_service: NamedDependency[UserService],
        data: JSONBody[PasswordChange],
    ) -> None:
        await users_service.change_password(current_user, data.current_password, data.new_password)
        await sessions.revoke_all(users_service.repository.session, current_user.id)

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
        current_user: CurrentUser,
        users_service: NamedDependency[UserService],
        queue: NamedDependency[LazyQueue],
        data: JSONBody[AccountDeletion],
    ) -> None:
        if not await verify_password(current_user.password_hash, data.password):
            raise NotAuthenticated(detail="The password is wrong")
        await deletion.delete_account(users_service.repository.session, queue, current_user)

    @get("/me", summary="The signed-in account", responses=errors(401))
    async def me(
        self, current_user: CurrentUser, users_service: NamedDependency[UserService]
    ) -> Account:
        """The account the token belongs to: email, whether it is verified, whether it is an
        admin.
        """
        return users_service.to_schema(current_user, schema_type=Account)


def _token_pair(
    issuer: TokenIssuer, user: m.User, refresh: sessions.NewRefreshToken
) -> AccessToken:
    return AccessToken(
        access_token=issuer.issue(user),
        expires_in=issuer.ttl_s,
        refresh_token=refresh.token,
        refresh_expires_in=refresh.expires_in,
    )

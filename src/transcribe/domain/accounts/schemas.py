from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from transcribe.lib.schema import NoNul, Schema

Password = Annotated[
    str,
    NoNul,
    msgspec.Meta(
        min_length=8,
        max_length=128,
        description="8 to 128 characters",
        examples=["correct horse battery staple"],
    ),
]
AnyPassword = Annotated[
    str, NoNul, msgspec.Meta(max_length=1024, examples=["correct horse battery staple"])
]
EmailLinkToken = Annotated[
    str, NoNul, msgspec.Meta(min_length=1, max_length=256, examples=["kq3V9x1bE7mZr2Pp0dL4sA"])
]
Email = Annotated[
    str, NoNul, msgspec.Meta(min_length=3, max_length=320, examples=["ada@example.com"])
]


class Credentials(Schema):
    """What POST /auth/register takes."""

    email: Email
    password: Password


class LoginCredentials(Schema):
    """What POST /auth/login takes."""

    # No length rules on login: a wrong password of any length is simply a wrong password.
    email: Annotated[str, NoNul, msgspec.Meta(max_length=320, examples=["ada@example.com"])]
    password: AnyPassword


class Account(Schema):
    """A user account as its owner sees it."""

    id: UUID
    email: str
    created_at: datetime
    email_verified: bool = False
    is_admin: bool = False


class AccessToken(Schema):
    """A login: a short-lived bearer token and the refresh token that renews it."""

    access_token: str
    expires_in: int
    refresh_token: Annotated[
        str, msgspec.Meta(description="Opaque; spend it at POST /auth/refresh for a new pair")
    ]
    refresh_expires_in: int
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a token kind, not a secret


class RefreshRequest(Schema):
    """A refresh token to spend (POST /auth/refresh) or revoke (POST /auth/logout)."""

    refresh_token: Annotated[
        str,
        NoNul,
        msgspec.Meta(min_length=1, max_length=256, examples=["8sE_MVrRLjb2eoKhqUnbLaFAG8f78kyk"]),
    ]


class PasswordChange(Schema):
    """The current password, to prove it is you, and the new one."""

    current_password: AnyPassword
    new_password: Password


class UsagePeriod(Schema):
    """One calendar month (UTC) of usage."""

    period_start: date
    audio_seconds: float
    jobs_completed: int


class Usage(Schema):
    """This month's usage, the quota (null: unlimited), and the months before."""

    period_start: date
    period_end: date
    audio_seconds: float
    jobs_completed: int
    quota_seconds: int | None
    history: list[UsagePeriod]


class EmailToken(Schema):
    """The token from an emailed link."""

    token: EmailLinkToken


class PasswordResetRequest(Schema):
    """The address to send a reset link to, if it has an account."""

    email: Email


class PasswordResetConfirm(Schema):
    """The token from the reset email and the new password."""

    token: EmailLinkToken
    new_password: Password


class Accepted(Schema):
    """The request was taken; what follows happens in the background."""

    detail: str


class AccountDeletion(Schema):
    """The account's password, to confirm deleting it and everything in it."""

    password: AnyPassword

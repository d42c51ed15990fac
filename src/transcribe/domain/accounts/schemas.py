from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from transcribe.lib.schema import NoNul, Schema

Password = Annotated[
    str, NoNul, msgspec.Meta(min_length=8, max_length=128, description="8 to 128 characters")
]
Email = Annotated[
    str, NoNul, msgspec.Meta(min_length=3, max_length=320, examples=["ada@example.com"])
]


class Credentials(Schema):
    email: Email
    password: Password


class LoginCredentials(Schema):
    # No length rules on login: a wrong password of any length is simply a wrong password.
    email: Annotated[str, NoNul, msgspec.Meta(max_length=320)]
    password: Annotated[str, NoNul, msgspec.Meta(max_length=1024)]


class Account(Schema):
    id: UUID
    email: str
    created_at: datetime
    email_verified: bool = False
    is_admin: bool = False


class AccessToken(Schema):
    access_token: str
    expires_in: int
    refresh_token: Annotated[
        str, msgspec.Meta(description="Opaque; spend it at POST /auth/refresh for a new pair")
    ]
    refresh_expires_in: int
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a token kind, not a secret


class RefreshRequest(Schema):
    refresh_token: Annotated[str, NoNul, msgspec.Meta(min_length=1, max_length=256)]


class PasswordChange(Schema):
    current_password: Annotated[str, NoNul, msgspec.Meta(max_length=1024)]
    new_password: Password


class UsagePeriod(Schema):
    period_start: date
    audio_seconds: float
    jobs_completed: int


class Usage(Schema):
    period_start: date
    period_end: date
    audio_seconds: float
    jobs_completed: int
    quota_seconds: int | None
    history: list[UsagePeriod]


class EmailToken(Schema):
    token: Annotated[str, NoNul, msgspec.Meta(min_length=1, max_length=256)]


class PasswordResetRequest(Schema):
    email: Annotated[str, NoNul, msgspec.Meta(min_length=3, max_length=320)]


class PasswordResetConfirm(Schema):
    token: Annotated[str, NoNul, msgspec.Meta(min_length=1, max_length=256)]
    new_password: Password


class Accepted(Schema):
    detail: str


class AccountDeletion(Schema):
    password: Annotated[str, NoNul, msgspec.Meta(max_length=1024)]

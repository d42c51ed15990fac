"""The owner of `users` rows: every change to an account (its creation, password, verified
email, admin flags, deletion) is made here; everyone else reads."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import delete, func, select, update

from transcribe.db import models as m
from transcribe.domain.accounts import sessions
from transcribe.domain.accounts.emails import normalize_email, validated_email
from transcribe.domain.accounts.passwords import hash_password, needs_rehash, verify_password
from transcribe.lib.errors import Conflict, NotAuthenticated, NotFound

BAD_CREDENTIALS = "Incorrect email or password"


class UserService(SQLAlchemyAsyncRepositoryService[m.User]):
    class Repo(SQLAlchemyAsyncRepository[m.User]):
        model_type = m.User

    repository_type = Repo

    async def to_model_on_create(self, data: Any) -> Any:
        if isinstance(data, dict):
            data["email"] = validated_email(data["email"])
            data["password_hash"] = await hash_password(data.pop("password"))
        return data

    async def find_by_email(self, email: str) -> m.User | None:
        statement = select(m.User).where(func.lower(m.User.email) == normalize_email(email))
        return (await self.repository.session.execute(statement)).scalar_one_or_none()

    async def register(self, email: str, password: str) -> m.User:
        if await self.find_by_email(email) is not None:
            raise Conflict(detail="An account with this email already exists")
        # Committed here: the verification email's task must find the account.
        return await self.create({"email": email, "password": password}, auto_commit=True)

    async def authenticate(self, email: str, password: str) -> m.User:
        """The user for these credentials, or one 401 for unknown email and wrong password."""
        user = await self.find_by_email(email)
        if (
            not await verify_password(user.password_hash if user else None, password)
            or user is None
        ):
            raise NotAuthenticated(detail=BAD_CREDENTIALS)
        if needs_rehash(user.password_hash):
            user.password_hash = await hash_password(password)
        return user

    async def change_password(self, user: m.User, current: str, new: str) -> None:
        if not await verify_password(user.password_hash, current):
            raise NotAuthenticated(detail="The current password is wrong")
        await self.set_password(user, new)

    async def set_password(self, user: m.User, new: str) -> None:
        user.password_hash = await hash_password(new)
        user.token_version += 1  # access tokens issued before now stop working

    async def verify_email(self, user: m.User) -> None:
        user.email_verified = True

    async def change_as_admin(
        self,
        user_id: UUID,
        *,
        admin: m.User,
        disabled: bool | None = None,
        is_admin: bool | None = None,
        quota_minutes: int | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> m.User:
        """An admin's change; what is None (the quota: UNSET) stays. A disabled user's sessions end."""
        session = self.repository.session
        user = await session.get(m.User, user_id, with_for_update=True)
        if user is None:
            raise NotFound(detail="No such user")
        if user.id == admin.id and (disabled is True or is_admin is False):
            raise Conflict(
                detail="You cannot disable or demote yourself: ask another admin "
                "(or use `python -m transcribe admin demote`)"
            )
        if disabled is not None:
            user.disabled = disabled
            if disabled:
                await sessions.revoke_all(session, user.id)
        if is_admin is not None:
            user.is_admin = is_admin
        if quota_minutes is not msgspec.UNSET:
            user.quota_minutes = quota_minutes
        return user

    async def set_admin_by_email(self, email: str, is_admin: bool) -> bool:
        """`python -m transcribe admin promote|demote`; False when no account has the email."""
        result = await self.repository.session.execute(
            update(m.User)
            .where(func.lower(m.User.email) == normalize_email(email))
            .values(is_admin=is_admin)
        )
        return result.rowcount == 1

    async def remove(self, user_id: UUID) -> None:
        """The row goes; the database cascades to everything the account owns."""
        await self.repository.session.execute(delete(m.User).where(m.User.id == user_id))

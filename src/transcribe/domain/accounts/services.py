from __future__ import annotations

from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import func, select

from transcribe.db import models as m
from transcribe.domain.accounts.emails import normalize_email, validated_email
from transcribe.domain.accounts.passwords import hash_password, needs_rehash, verify_password
from transcribe.lib.errors import Conflict, NotAuthenticated

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
        return await self.create({"email": email, "password": password})

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

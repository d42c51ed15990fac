"""Factories for accounts, over the public API."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx


@dataclass
class SignedInUser:
    id: str
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


async def signed_in_user(
    client: httpx.AsyncClient, password: str = "correct horse battery"
) -> SignedInUser:
    email = unique_email()
    created = await client.post("/auth/register", json={"email": email, "password": password})
    assert created.status_code == 201, created.text
    login = await client.post("/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return SignedInUser(created.json()["id"], email, password, login.json()["access_token"])


@contextmanager
def password_cost(cost: str) -> Iterator[None]:
    """Hash passwords in this process at PASSWORD_HASH_COST=`cost` (the suite runs at
    `minimal`) while inside; settings and the hasher are rebuilt on the way in and out."""
    from transcribe.domain.accounts import passwords
    from transcribe.settings import get_settings

    before = os.environ.get("PASSWORD_HASH_COST")
    os.environ["PASSWORD_HASH_COST"] = cost
    get_settings.cache_clear()
    passwords._hasher.cache_clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PASSWORD_HASH_COST", None)
        else:
            os.environ["PASSWORD_HASH_COST"] = before
        get_settings.cache_clear()
        passwords._hasher.cache_clear()

"""Factories for accounts, over the public API."""

from __future__ import annotations

import uuid
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

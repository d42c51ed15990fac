from __future__ import annotations

import httpx
import psycopg
import pytest

from tests.helpers.accounts import unique_email


async def test_register_returns_the_account_without_secrets(client: httpx.AsyncClient) -> None:
    email = unique_email()
    response = await client.post("/auth/register", json={"email": email, "password": "s3cret-pass"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "created_at", "email_verified", "is_admin"}
    assert body["email_verified"] is False and body["is_admin"] is False
    assert body["email"] == email
    assert body["created_at"].endswith(("Z", "+00:00"))


async def test_email_is_trimmed_and_lower_cased(client: httpx.AsyncClient) -> None:
    email = unique_email()
    response = await client.post(
        "/auth/register", json={"email": f"  {email.upper()} ", "password": "s3cret-pass"}
    )
    assert response.status_code == 201
    assert response.json()["email"] == email


async def test_email_taken_case_insensitively_is_409(client: httpx.AsyncClient) -> None:
    email = unique_email()
    first = await client.post("/auth/register", json={"email": email, "password": "s3cret-pass"})
    assert first.status_code == 201
    again = await client.post(
        "/auth/register", json={"email": email.upper(), "password": "another-pass"}
    )
    assert again.status_code == 409
    assert again.json()["status_code"] == 409
    assert "exists" in again.json()["detail"]


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "not-an-email", "password": "s3cret-pass"},
        {"email": "a@b", "password": "s3cret-pass"},
        {"email": "two@@example.com", "password": "s3cret-pass"},
        {"email": "sp ace@example.com", "password": "s3cret-pass"},
        {"email": "ok@example.com", "password": "short"},
        {"email": "ok@example.com", "password": "x" * 129},
        {"email": "ok@example.com"},
        {"password": "s3cret-pass"},
        {"email": 42, "password": "s3cret-pass"},
        {"email": "ok@example.com", "password": "s3cret-pass", "is_admin": True},
    ],
)
async def test_invalid_registration_is_400_and_creates_nothing(
    client: httpx.AsyncClient, database_url: str, payload: dict
) -> None:
    with psycopg.connect(database_url) as conn:
        before = conn.execute("SELECT count(*) FROM users").fetchone()[0]
    response = await client.post("/auth/register", json=payload)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status_code"] == 400 and body["detail"]
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == before


async def test_password_length_bounds_are_inclusive(client: httpx.AsyncClient) -> None:
    for password in ("x" * 8, "y" * 128):
        response = await client.post(
            "/auth/register", json={"email": unique_email(), "password": password}
        )
        assert response.status_code == 201, response.text


async def test_malformed_json_is_400_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["status_code"] == 400

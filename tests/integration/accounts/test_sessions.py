"""Refresh tokens (rotation, reuse detection, logout), password changes and disabled users."""

from __future__ import annotations

import httpx
import psycopg

from tests.helpers.accounts import unique_email

PASSWORD = "correct horse battery"


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/auth/login", json={"email": email, "password": password})


async def new_account(client: httpx.AsyncClient) -> tuple[str, dict]:
    email = unique_email()
    created = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201
    response = await login(client, email)
    assert response.status_code == 200, response.text
    return email, response.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/auth/refresh", json={"refresh_token": token})


async def test_login_gives_a_refresh_token_that_rotates(client: httpx.AsyncClient) -> None:
    _, tokens = await new_account(client)
    assert tokens["token_type"] == "bearer" and tokens["refresh_expires_in"] == 30 * 24 * 3600
    assert len(tokens["refresh_token"]) >= 40
    first = await refresh(client, tokens["refresh_token"])
    assert first.status_code == 200, first.text
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert (await client.get("/auth/me", headers=bearer(rotated))).status_code == 200
    second = await refresh(client, rotated["refresh_token"])
    assert second.status_code == 200


async def test_a_reused_refresh_token_revokes_the_whole_login(client: httpx.AsyncClient) -> None:
    email, tokens = await new_account(client)
    other_login = (await login(client, email)).json()  # another device
    rotated = (await refresh(client, tokens["refresh_token"])).json()
    stolen = await refresh(client, tokens["refresh_token"])  # the spent one, again
    assert stolen.status_code == 401
    # The thief's replay also cut off the legitimate holder of that login...
    assert (await refresh(client, rotated["refresh_token"])).status_code == 401
    # ...but not the user's other logins.
    assert (await refresh(client, other_login["refresh_token"])).status_code == 200


async def test_an_expired_refresh_token_is_401(
    client: httpx.AsyncClient, database_url: str
) -> None:
    email, tokens = await new_account(client)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' "
            "WHERE user_id = (SELECT id FROM users WHERE email = %s)",
            (email,),
        )
    assert (await refresh(client, tokens["refresh_token"])).status_code == 401


async def test_logout_revokes(client: httpx.AsyncClient) -> None:
    _, tokens = await new_account(client)
    rotated = (await refresh(client, tokens["refresh_token"])).json()
    out = await client.post("/auth/logout", json={"refresh_token": rotated["refresh_token"]})
    assert out.status_code == 204
    assert (await refresh(client, rotated["refresh_token"])).status_code == 401
    unknown = await client.post("/auth/logout", json={"refresh_token": "never-issued"})
    assert unknown.status_code == 204
    assert (await refresh(client, "never-issued")).status_code == 401
    assert (await client.post("/auth/refresh", json={})).status_code == 400


async def test_changing_the_password_ends_every_session(client: httpx.AsyncClient) -> None:
    email, tokens = await new_account(client)
    wrong = await client.post(
        "/auth/password",
        json={"current_password": "not it", "new_password": "a new long password"},
        headers=bearer(tokens),
    )
    assert wrong.status_code == 401
    short = await client.post(
        "/auth/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=bearer(tokens),
    )
    assert short.status_code == 400
    assert (await client.get("/auth/me", headers=bearer(tokens))).status_code == 200

    changed = await client.post(
        "/auth/password",
        json={"current_password": PASSWORD, "new_password": "a new long password"},
        headers=bearer(tokens),
    )
    assert changed.status_code == 204, changed.text
    assert (await client.get("/auth/me", headers=bearer(tokens))).status_code == 401
    assert (await refresh(client, tokens["refresh_token"])).status_code == 401
    assert (await login(client, email)).status_code == 401
    fresh = (await login(client, email, "a new long password")).json()
    assert (await client.get("/auth/me", headers=bearer(fresh))).status_code == 200


async def test_a_disabled_user_is_shut_out_at_once(
    client: httpx.AsyncClient, database_url: str
) -> None:
    email, tokens = await new_account(client)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET disabled = true WHERE lower(email) = %s", (email,))
    assert (await client.get("/auth/me", headers=bearer(tokens))).status_code == 401
    assert (await refresh(client, tokens["refresh_token"])).status_code == 401
    refused = await login(client, email)
    assert refused.status_code == 403 and "disabled" in refused.json()["detail"]


async def test_refresh_tokens_are_stored_only_as_digests(
    client: httpx.AsyncClient, database_url: str
) -> None:
    _, tokens = await new_account(client)
    with psycopg.connect(database_url) as conn:
        stored = [row[0] for row in conn.execute("SELECT token_hash FROM refresh_tokens")]
    assert tokens["refresh_token"] not in stored and all(len(h) == 64 for h in stored)

"""API keys: created once-visible, hashed at rest, accepted like access tokens, refused
where keys or the account are managed, revoked at once."""

from __future__ import annotations

import asyncio

import httpx
import psycopg
import pytest

from tests.helpers.accounts import signed_in_user


def key_headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_key_works_like_a_token_and_is_shown_once(
    client: httpx.AsyncClient, database_url: str
) -> None:
    user = await signed_in_user(client)
    created = await client.post("/api-keys", json={"name": "nightly import"}, headers=user.headers)
    assert created.status_code == 201, created.text
    body = created.json()
    key = body["key"]
    assert key.startswith("trk_") and len(key) >= 4 + 43
    assert body["prefix"] == key[:12] and body["last_used_at"] is None

    me = await client.get("/auth/me", headers=key_headers(key))
    assert me.status_code == 200 and me.json()["id"] == user.id
    assert (await client.get("/jobs", headers=key_headers(key))).status_code == 200

    listed = (await client.get("/api-keys", headers=user.headers)).json()
    assert listed["total"] == 1
    (item,) = listed["items"]
    assert "key" not in item and item["prefix"] == key[:12] and item["last_used_at"] is not None
    with psycopg.connect(database_url) as conn:
        stored = conn.execute(
            "SELECT key_hash FROM api_keys WHERE id = %s", (body["id"],)
        ).fetchone()
    assert stored[0] != key and len(stored[0]) == 64


async def test_last_used_is_written_at_most_once_a_minute(
    client: httpx.AsyncClient, database_url: str
) -> None:
    user = await signed_in_user(client)
    key = (await client.post("/api-keys", json={"name": "busy"}, headers=user.headers)).json()[
        "key"
    ]
    await client.get("/auth/me", headers=key_headers(key))
    first = (await client.get("/api-keys", headers=user.headers)).json()["items"][0]["last_used_at"]
    await asyncio.sleep(1.1)
    await client.get("/auth/me", headers=key_headers(key))
    again = (await client.get("/api-keys", headers=user.headers)).json()["items"][0]["last_used_at"]
    assert first is not None and again == first


async def test_keys_cannot_manage_keys_or_the_account(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    key = (await client.post("/api-keys", json={"name": "script"}, headers=user.headers)).json()[
        "key"
    ]
    for call in (
        client.get("/api-keys", headers=key_headers(key)),
        client.post("/api-keys", json={"name": "escalate"}, headers=key_headers(key)),
        client.post(
            "/auth/password",
            json={"current_password": user.password, "new_password": "taken over by a script"},
            headers=key_headers(key),
        ),
    ):
        response = await call
        assert response.status_code == 403, response.text


async def test_revoked_unknown_and_foreign_keys(
    client: httpx.AsyncClient, database_url: str
) -> None:
    owner, other = await signed_in_user(client), await signed_in_user(client)
    created = (await client.post("/api-keys", json={"name": "old"}, headers=owner.headers)).json()
    gone = await client.delete(f"/api-keys/{created['id']}", headers=other.headers)
    assert gone.status_code == 404
    assert (await client.get("/auth/me", headers=key_headers(created["key"]))).status_code == 200
    assert (
        await client.delete(f"/api-keys/{created['id']}", headers=owner.headers)
    ).status_code == 204
    assert (await client.get("/auth/me", headers=key_headers(created["key"]))).status_code == 401
    assert (await client.get("/auth/me", headers=key_headers("trk_" + "x" * 43))).status_code == 401

    fresh = (await client.post("/api-keys", json={"name": "new"}, headers=owner.headers)).json()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET disabled = true WHERE id = %s", (owner.id,))
    assert (await client.get("/auth/me", headers=key_headers(fresh["key"]))).status_code == 401


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "\u202e\n"}, {"name": "x" * 101}, {}])
async def test_bad_names_are_400(client: httpx.AsyncClient, body: dict) -> None:
    user = await signed_in_user(client)
    assert (await client.post("/api-keys", json=body, headers=user.headers)).status_code == 400

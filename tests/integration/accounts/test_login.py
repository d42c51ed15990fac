from __future__ import annotations

import statistics
import time

import httpx
import jwt
import psycopg

from tests.helpers.accounts import password_cost, signed_in_user, unique_email
from transcribe.settings import Settings


async def test_login_returns_a_bearer_token_with_standard_claims(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await signed_in_user(client)
    response = await client.post(
        "/auth/login", json={"email": f" {user.email.upper()}", "password": user.password}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.auth.access_token_ttl_s
    claims = jwt.decode(body["access_token"], settings.auth.jwt_secret, algorithms=["HS256"])
    assert claims["sub"] == user.id
    assert claims["exp"] - claims["iat"] == settings.auth.access_token_ttl_s


async def test_wrong_password_and_unknown_email_look_the_same(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    wrong = await client.post(
        "/auth/login", json={"email": user.email, "password": "wrong-password"}
    )
    unknown = await client.post(
        "/auth/login", json={"email": unique_email(), "password": "wrong-password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_unknown_email_takes_about_as_long_as_wrong_password(
    client: httpx.AsyncClient,
) -> None:
    user = await signed_in_user(client)

    async def median_time(email: str) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            response = await client.post(
                "/auth/login", json={"email": email, "password": "nope-nope"}
            )
            times.append(time.perf_counter() - start)
            assert response.status_code == 401
        return statistics.median(times)

    known = await median_time(user.email)
    unknown = await median_time(unique_email())
    # Both pay for one argon2 verification; without the dummy hash, unknown would be ~10x faster.
    assert unknown > known * 0.5, (known, unknown)


async def test_password_is_stored_as_argon2id(client: httpx.AsyncClient, database_url: str) -> None:
    user = await signed_in_user(client)
    with psycopg.connect(database_url) as conn:
        stored = conn.execute(
            "SELECT password_hash FROM users WHERE id = %s", (user.id,)
        ).fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert user.password not in stored


async def test_login_rehashes_a_hash_made_with_old_parameters(
    client: httpx.AsyncClient, database_url: str
) -> None:
    from argon2 import PasswordHasher

    user = await signed_in_user(client)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(user.password)
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE users SET password_hash = %s WHERE id = %s", (weak, user.id))
    with password_cost("standard"):  # production's
        response = await client.post(
            "/auth/login", json={"email": user.email, "password": user.password}
        )
        assert response.status_code == 200
        with psycopg.connect(database_url) as conn:
            stored = conn.execute(
                "SELECT password_hash FROM users WHERE id = %s", (user.id,)
            ).fetchone()[0]
        assert stored != weak
        assert not PasswordHasher().check_needs_rehash(stored)
        again = await client.post(
            "/auth/login", json={"email": user.email, "password": user.password}
        )
        assert again.status_code == 200

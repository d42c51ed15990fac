"""Throttling runs against its own server with small limits, on the session database."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator

import httpx
import psycopg
import pytest

from tests.helpers.accounts import signed_in_user, unique_email
from tests.helpers.server import serve
from transcribe.settings import Settings


@pytest.fixture(scope="module")
def throttled_base_url(settings: Settings, database_url: str) -> Iterator[str]:
    from transcribe.app import create_app

    strict = dataclasses.replace(
        settings,
        auth=dataclasses.replace(
            settings.auth,
            login_window_s=60,
            login_max_failures_per_email=3,
            login_max_failures_per_client=6,
        ),
    )
    with serve(create_app(strict)) as url:
        yield url
    # Leave no client-address failures behind for the other tests, which share 127.0.0.1.
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM login_failures")


@pytest.fixture
async def throttled(throttled_base_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM login_failures")
    async with httpx.AsyncClient(base_url=throttled_base_url, timeout=30) as http:
        yield http


async def _login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/auth/login", json={"email": email, "password": password})


async def test_too_many_failures_for_one_email_is_429_with_retry_after(
    throttled: httpx.AsyncClient,
) -> None:
    user = await signed_in_user(throttled)
    for _ in range(3):
        assert (await _login(throttled, user.email, "wrong-password")).status_code == 401
    blocked = await _login(throttled, user.email.upper(), user.password)
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert blocked.json()["status_code"] == 429
    # Another account from the same address is not blocked yet.
    other = await signed_in_user(throttled)
    assert (await _login(throttled, other.email, other.password)).status_code == 200


def _from(address: str) -> dict[str, str]:
    # The test server trusts loopback's X-Forwarded-For (uvicorn's default): each value is
    # another client address.
    return {"X-Forwarded-For": address}


async def test_failures_from_many_addresses_do_not_lock_the_owner_out(
    throttled: httpx.AsyncClient,
) -> None:
    user = await signed_in_user(throttled)
    for n in range(10):  # ten addresses, one wrong guess each: past the per-email limit of 3
        wrong = await throttled.post(
            "/auth/login",
            json={"email": user.email, "password": "wrong-password"},
            headers=_from(f"198.51.100.{n}"),
        )
        assert wrong.status_code == 401
    # Every address that guessed is refused now, even with the right password...
    again = await throttled.post(
        "/auth/login",
        json={"email": user.email, "password": user.password},
        headers=_from("198.51.100.3"),
    )
    assert again.status_code == 429 and "Retry-After" in again.headers
    # ...while the owner, from an address that never failed, gets in.
    owner = await throttled.post(
        "/auth/login",
        json={"email": user.email, "password": user.password},
        headers=_from("203.0.113.7"),
    )
    assert owner.status_code == 200, owner.text
    # A fresh attacker address gets one guess, then it is refused too.
    fresh = {"email": user.email, "password": "another-guess"}
    assert (
        await throttled.post("/auth/login", json=fresh, headers=_from("192.0.2.50"))
    ).status_code == 401
    assert (
        await throttled.post("/auth/login", json=fresh, headers=_from("192.0.2.50"))
    ).status_code == 429


async def test_success_resets_the_email_counter(throttled: httpx.AsyncClient) -> None:
    user = await signed_in_user(throttled)
    for _ in range(2):
        assert (await _login(throttled, user.email, "wrong-password")).status_code == 401
    assert (await _login(throttled, user.email, user.password)).status_code == 200
    for _ in range(2):
        assert (await _login(throttled, user.email, "wrong-password")).status_code == 401
    assert (await _login(throttled, user.email, user.password)).status_code == 200


async def test_too_many_failures_from_one_client_is_429(throttled: httpx.AsyncClient) -> None:
    user = await signed_in_user(throttled)
    for _ in range(6):  # spread over emails so that only the client counter fills up
        assert (await _login(throttled, unique_email(), "wrong-password")).status_code == 401
    blocked = await _login(throttled, user.email, user.password)
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers


async def test_failures_age_out_of_the_window(
    throttled: httpx.AsyncClient, database_url: str
) -> None:
    user = await signed_in_user(throttled)
    for _ in range(3):
        await _login(throttled, user.email, "wrong-password")
    assert (await _login(throttled, user.email, user.password)).status_code == 429
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE login_failures SET created_at = created_at - interval '61 seconds'")
    assert (await _login(throttled, user.email, user.password)).status_code == 200


async def test_longest_email_is_throttled_like_any_other(
    throttled: httpx.AsyncClient, database_url: str
) -> None:
    email = "a" * 64 + "@" + "b" * 251 + ".com"  # 320 characters: the longest accepted
    for _ in range(3):
        assert (await _login(throttled, email, "wrong-password")).status_code == 401
    assert (await _login(throttled, email, "wrong-password")).status_code == 429
    with psycopg.connect(database_url) as conn:
        keys = [r[0] for r in conn.execute("SELECT key FROM login_failures")]
    assert keys and not any("@" in key for key in keys)  # no addresses stored


async def _reset(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post("/auth/password-reset", json={"email": email})


def _failures(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM login_failures").fetchone()[0]


@pytest.mark.parametrize("registered", [True, False])
async def test_password_resets_for_one_address_are_limited(
    throttled: httpx.AsyncClient, database_url: str, registered: bool
) -> None:
    """The same for an address with an account and one without: the answers tell nothing."""
    email = (await signed_in_user(throttled)).email if registered else unique_email()
    answers = [(await _reset(throttled, email)).status_code for _ in range(5)]
    assert answers == [202] * 5
    counted = _failures(database_url)
    blocked = await _reset(throttled, email.upper())  # the same address, spelled otherwise
    assert blocked.status_code == 429
    assert "Too many reset requests" in blocked.json()["detail"]
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    assert _failures(database_url) == counted  # a refused request counts for nothing
    assert (await _reset(throttled, unique_email())).status_code == 202  # another address


async def test_password_resets_from_one_client_are_limited(throttled: httpx.AsyncClient) -> None:
    answers = [(await _reset(throttled, unique_email())).status_code for _ in range(7)]
    assert answers == [202] * 6 + [429]  # LOGIN_MAX_FAILURES_PER_CLIENT here

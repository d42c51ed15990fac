from __future__ import annotations

import time
import uuid

import httpx
import jwt
import pytest

from tests.helpers.accounts import signed_in_user
from transcribe.settings import Settings


async def test_me_returns_the_signed_in_account(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    response = await client.get("/auth/me", headers=user.headers)
    assert response.status_code == 200
    assert response.json()["id"] == user.id
    assert response.json()["email"] == user.email


def _token(secret: str, **claims: object) -> str:
    now = int(time.time())
    payload = {"sub": str(uuid.uuid4()), "iat": now, "exp": now + 600, **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


async def _me(client: httpx.AsyncClient, authorization: str | None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return await client.get("/auth/me", headers=headers)


async def test_missing_or_malformed_token_is_401(client: httpx.AsyncClient) -> None:
    for header in (None, "", "Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Token abc"):
        response = await _me(client, header)
        assert response.status_code == 401, header
        assert response.json()["status_code"] == 401


async def test_forged_token_is_401(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    forged = _token("some-other-secret-" + "y" * 30, sub=user.id)
    assert (await _me(client, f"Bearer {forged}")).status_code == 401


async def test_tampered_payload_is_401(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    other = await signed_in_user(client)
    header, _, signature = user.token.split(".")
    other_payload = other.token.split(".")[1]
    response = await _me(client, f"Bearer {header}.{other_payload}.{signature}")
    assert response.status_code == 401


async def test_expired_token_is_401(client: httpx.AsyncClient, settings: Settings) -> None:
    user = await signed_in_user(client)
    past = int(time.time()) - 3600
    expired = _token(settings.auth.jwt_secret, sub=user.id, iat=past - 60, exp=past)
    answer = await _me(client, f"Bearer {expired}")
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]  # so that clients know to refresh
    assert answer.headers["www-authenticate"] == (
        'Bearer error="invalid_token", error_description="The access token expired"'
    )
    forged = _token("another-secret-" + "y" * 40, sub=user.id)
    refused = await _me(client, f"Bearer {forged}")
    assert refused.status_code == 401 and "expired" not in refused.json()["detail"]
    assert refused.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_alg_none_token_is_401(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    unsigned = jwt.encode(
        {"sub": user.id, "iat": int(time.time()), "exp": int(time.time()) + 600},
        None,
        algorithm="none",
    )
    assert (await _me(client, f"Bearer {unsigned}")).status_code == 401


async def test_token_missing_required_claims_is_401(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await signed_in_user(client)
    no_exp = jwt.encode(
        {"sub": user.id, "iat": int(time.time())}, settings.auth.jwt_secret, "HS256"
    )
    assert (await _me(client, f"Bearer {no_exp}")).status_code == 401


async def test_valid_signature_for_unknown_or_garbage_subject_is_401(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    for sub in (str(uuid.uuid4()), "not-a-uuid"):
        token = _token(settings.auth.jwt_secret, sub=sub)
        assert (await _me(client, f"Bearer {token}")).status_code == 401


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("Bearer {t}", 200),
        ("bearer {t}", 200),  # the scheme's name is case-insensitive (RFC 7235)
        ("BEARER  {t}", 200),
        ("Token {t}", 401),
        ("JWT {t}", 401),
        ("Basic {t}", 401),
        ("{t}", 401),
        ("Bearer", 401),
    ],
)
async def test_only_the_bearer_scheme_is_accepted(
    client: httpx.AsyncClient, header: str, status: int
) -> None:
    user = await signed_in_user(client)
    answer = await client.get("/auth/me", headers={"Authorization": header.format(t=user.token)})
    assert answer.status_code == status, answer.text
    if status == 401:
        assert answer.headers.get("www-authenticate") == "Bearer" or "Bearer" in answer.text

"""Verification and password-reset emails through a real SMTP server on loopback: the
token is read from the received message, as a user would click it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from tests.helpers.accounts import signed_in_user, unique_email
from tests.helpers.smtp import SmtpServer, link_token
from tests.helpers.worker import Worker

FRONTEND = "https://app.example.com"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def worker_env(worker_env: dict[str, str], smtp: SmtpServer) -> dict[str, str]:
    return {
        **worker_env,
        "EMAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_FROM": "Transcribe <no-reply@example.com>",
        "FRONTEND_URL": FRONTEND,
    }


async def test_registration_sends_a_verification_link(
    client: httpx.AsyncClient, smtp: SmtpServer, worker: Worker
) -> None:
    user = await signed_in_user(client)
    (message,) = await asyncio.to_thread(smtp.inbox.wait_for, user.email)
    assert message["From"] == "Transcribe <no-reply@example.com>"
    assert message.get_body(("html",)) is not None  # plain text and HTML
    link, token = link_token(message)
    assert link.startswith(f"{FRONTEND}/verify-email?token=")
    assert (await client.get("/auth/me", headers=user.headers)).json()["email_verified"] is False
    assert (await client.post("/auth/verify-email", json={"token": token})).status_code == 204
    assert (await client.get("/auth/me", headers=user.headers)).json()["email_verified"] is True
    again = await client.post("/auth/verify-email", json={"token": token})
    assert again.status_code == 400  # single use
    assert (await client.post("/auth/verify-email", json={"token": "made-up"})).status_code == 400


async def test_resend_and_its_limit(
    client: httpx.AsyncClient, smtp: SmtpServer, worker: Worker
) -> None:
    user = await signed_in_user(client)
    await asyncio.to_thread(smtp.inbox.wait_for, user.email)
    resent = await client.post("/auth/verify-email/resend", headers=user.headers)
    assert resent.status_code == 202
    first, second = await asyncio.to_thread(smtp.inbox.wait_for, user.email, 2)
    # The newest link works; the earlier one was replaced.
    assert (
        await client.post("/auth/verify-email", json={"token": link_token(first)[1]})
    ).status_code == 400
    assert (
        await client.post("/auth/verify-email", json={"token": link_token(second)[1]})
    ).status_code == 204
    answers = [
        (await client.post("/auth/verify-email/resend", headers=user.headers)).status_code
        for _ in range(5)
    ]
    assert answers[-1] == 429 and answers[0] == 202


async def test_password_reset_by_email(
    client: httpx.AsyncClient, smtp: SmtpServer, worker: Worker
) -> None:
    user = await signed_in_user(client)
    await asyncio.to_thread(smtp.inbox.wait_for, user.email)  # the verification email
    asked = await client.post("/auth/password-reset", json={"email": user.email.upper()})
    assert asked.status_code == 202
    messages = await asyncio.to_thread(smtp.inbox.wait_for, user.email, 2)
    link, token = link_token(messages[-1])
    assert link.startswith(f"{FRONTEND}/reset-password?token=")
    bad = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "short"}
    )
    assert bad.status_code == 400
    done = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "a brand new secret"}
    )
    assert done.status_code == 204
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 401
    reused = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "another secret!"}
    )
    assert reused.status_code == 400
    login = await client.post(
        "/auth/login", json={"email": user.email, "password": "a brand new secret"}
    )
    assert login.status_code == 200


async def test_expired_links_are_400_and_change_nothing(
    client: httpx.AsyncClient, smtp: SmtpServer, worker: Worker, database_url: str
) -> None:
    user = await signed_in_user(client)
    (verification,) = await asyncio.to_thread(smtp.inbox.wait_for, user.email)
    assert (
        await client.post("/auth/password-reset", json={"email": user.email})
    ).status_code == 202
    reset = (await asyncio.to_thread(smtp.inbox.wait_for, user.email, 2))[-1]
    with psycopg.connect(database_url) as conn:  # both links outlive their TTL
        conn.execute(
            "UPDATE account_tokens SET expires_at = now() - interval '1 second' "
            "WHERE user_id = (SELECT id FROM users WHERE email = %s)",
            (user.email,),
        )
    verify = await client.post("/auth/verify-email", json={"token": link_token(verification)[1]})
    assert verify.status_code == 400 and "not valid" in verify.json()["detail"]
    confirm = await client.post(
        "/auth/password-reset/confirm",
        json={"token": link_token(reset)[1], "new_password": "a brand new secret"},
    )
    assert confirm.status_code == 400
    me = await client.get("/auth/me", headers=user.headers)  # the old login still works
    assert me.status_code == 200 and me.json()["email_verified"] is False


async def test_unknown_addresses_get_the_same_answer_and_no_email(
    client: httpx.AsyncClient, smtp: SmtpServer, worker: Worker
) -> None:
    known = await signed_in_user(client)
    nobody = unique_email()
    started = time.monotonic()
    answer = await client.post("/auth/password-reset", json={"email": nobody})
    assert time.monotonic() - started < 1
    same = await client.post("/auth/password-reset", json={"email": known.email})
    assert answer.status_code == same.status_code == 202
    assert answer.json() == same.json()
    await asyncio.sleep(2)
    assert smtp.inbox.to(nobody) == []


async def test_an_smtp_outage_delays_the_email_but_loses_nothing(
    client: httpx.AsyncClient, smtp: SmtpServer, worker: Worker
) -> None:
    smtp.stop()
    try:
        email = unique_email()
        created = await client.post(
            "/auth/register", json={"email": email, "password": "correct horse battery"}
        )
        assert created.status_code == 201  # the request does not wait for SMTP
        await asyncio.sleep(3)  # attempts fail meanwhile
    finally:
        smtp.start()
    (message,) = await asyncio.to_thread(smtp.inbox.wait_for, email, 1, 60)
    token = link_token(message)[1]
    assert (await client.post("/auth/verify-email", json={"token": token})).status_code == 204

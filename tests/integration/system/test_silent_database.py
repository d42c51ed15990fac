"""A database that takes connections and then says nothing (a failover that drops packets, a
host gone mid-handshake) holds no request for long: whichever way a request reaches it (a
session, a driver read, the login's throttle), and in a burst larger than the pool, each
answers 503 with Retry-After within about twice DatabaseSettings.API_WAIT_S (a wait for a
connection, then its opening), not after the pool's 30 s or asyncpg's 60, which outlast
clients' timeouts."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid

import httpx

from tests.helpers.accounts import signed_in_user
from tests.helpers.pg_proxy import pg_proxy
from tests.helpers.server import serve_settings
from transcribe.settings import DatabaseSettings, Settings

BURST = 2 * DatabaseSettings.API_POOL_SIZE


async def test_requests_to_a_silent_database_are_503_within_seconds(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    user = await signed_in_user(client)  # on the real database: its token is valid anywhere
    job = {"object_key": f"uploads/{user.id}/x/a.wav", "language": "en", "mode": "mono"}
    login = {"email": user.email, "password": user.password}
    requests = [
        ("GET", f"/jobs/{uuid.uuid4()}", None),  # a driver read
        ("POST", "/jobs", job),  # the driver's creation
        ("GET", "/auth/me", None),  # a session
        ("POST", "/auth/login", login),  # the throttle, then a session
    ]
    with pg_proxy(settings.db.url) as (proxy, url):
        proxy.silence()  # it takes connections and never answers them
        silent = dataclasses.replace(settings, db=DatabaseSettings(url=url))
        with serve_settings(silent) as api:
            async with httpx.AsyncClient(base_url=api, timeout=60) as http:

                async def timed(method: str, path: str, body: dict | None) -> tuple:
                    started = time.monotonic()
                    answer = await http.request(method, path, json=body, headers=user.headers)
                    return method, path, answer, time.monotonic() - started

                answers = await asyncio.gather(
                    *(timed(*requests[n % len(requests)]) for n in range(BURST))
                )
                ready = await http.get("/ready")
    for method, path, answer, took_s in answers:
        assert answer.status_code == 503, (method, path, answer.text)
        assert answer.headers["retry-after"] == "5"
        assert took_s < 2 * DatabaseSettings.API_WAIT_S + 3, (method, path, took_s)
    assert ready.status_code == 503

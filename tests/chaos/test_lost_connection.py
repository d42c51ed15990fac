"""A connection that dies after the pool handed it out, before its statement (what a database
restart does by a race), cut here on cue by a proxy between the API and PostgreSQL: a read
runs again on a fresh connection and answers 200; a write answers 503 with Retry-After,
never 500, and changes nothing; a read whose second connection dies too answers 503."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from tests.helpers.accounts import signed_in_user
from tests.helpers.pg_proxy import PgProxy, pg_proxy
from tests.helpers.server import serve_settings
from tests.helpers.uploads import upload_file
from transcribe.settings import DatabaseSettings, Settings

# Statements as they reach the server: GET /jobs's page (a driver read), the user a session
# loads for GET /auth/me, and POST /jobs's insert.
JOBS_PAGE = "FROM transcription_jobs JOIN users"
SESSION_USER = "FROM users \nWHERE users.id ="
JOB_INSERT = "INSERT INTO transcription_jobs"


@pytest.fixture
def proxied(settings: Settings) -> Iterator[tuple[PgProxy, str]]:
    """A fresh API (a fresh pool, so every statement is prepared anew and its SQL crosses
    the proxy) whose database connections go through the proxy."""
    with pg_proxy(settings.db.url) as (proxy, url):
        through = dataclasses.replace(settings, db=dataclasses.replace(settings.db, url=url))
        with serve_settings(through) as api_url:
            yield proxy, api_url


async def test_a_read_whose_connection_dies_is_read_again_on_a_fresh_one(
    proxied: tuple[PgProxy, str],
) -> None:
    proxy, url = proxied
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        user = await signed_in_user(client)
        proxy.cut_when(JOBS_PAGE)
        page = await client.get("/jobs", headers=user.headers)
        assert proxy.cuts == 1
        assert page.status_code == 200, page.text
        assert page.json()["total"] == 0

        proxy.cut_when(SESSION_USER)  # a read through the request's session
        me = await client.get("/auth/me", headers=user.headers)
        assert proxy.cuts == 2
        assert me.status_code == 200, me.text
        assert me.json()["email"] == user.email


async def test_a_read_cut_twice_answers_503_with_retry_after(
    proxied: tuple[PgProxy, str],
) -> None:
    proxy, url = proxied
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        user = await signed_in_user(client)
        proxy.cut_when(JOBS_PAGE, times=2)
        page = await client.get("/jobs", headers=user.headers)
        assert proxy.cuts == 2  # once, and once more on the fresh connection: no third try
        assert page.status_code == 503, page.text
        assert page.headers["retry-after"] == "5"
        # And the next one is served.
        assert (await client.get("/jobs", headers=user.headers)).status_code == 200


async def test_a_write_whose_connection_dies_answers_503_and_changes_nothing(
    proxied: tuple[PgProxy, str], settings: Settings
) -> None:
    proxy, url = proxied
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        user = await signed_in_user(client)
        key = await upload_file(client, user, b"a write cut short")
        job = {"object_key": key, "language": "en", "mode": "mono"}
        proxy.cut_when(JOB_INSERT)
        created = await client.post("/jobs", json=job, headers=user.headers)
        assert proxy.cuts == 1
        assert created.status_code == 503, created.text
        assert created.headers["retry-after"] == "5"
        with psycopg.connect(settings.db.libpq_url) as conn:
            jobs, queued = conn.execute(
                "SELECT (SELECT count(*) FROM transcription_jobs WHERE user_id = %s),"
                " (SELECT count(*) FROM job_events WHERE user_id = %s)",
                (user.id, user.id),
            ).fetchone()
        assert (jobs, queued) == (0, 0)
        # The client's retry goes through.
        again = await client.post("/jobs", json=job, headers=user.headers)
        assert again.status_code == 201, again.text


STATEMENT_TIMEOUT_S = 2.0


async def test_a_server_that_stops_answering_mid_request_is_503_then_serves_again(
    settings: Settings,
) -> None:
    """The pool's open connections go silent (a network fault after they connected): a
    request on one answers 503 with Retry-After once DATABASE_STATEMENT_TIMEOUT_S has
    passed, not when TCP gives up minutes later; once the server answers again, the same
    requests are served."""
    with pg_proxy(settings.db.url) as (proxy, url):
        db = dataclasses.replace(settings.db, url=url, statement_timeout_s=STATEMENT_TIMEOUT_S)
        with serve_settings(dataclasses.replace(settings, db=db)) as api_url:
            async with httpx.AsyncClient(base_url=api_url, timeout=60) as client:
                user = await signed_in_user(client)
                paths = ("/auth/me", "/jobs")  # a session's read, a driver read
                for path in paths:
                    assert (await client.get(path, headers=user.headers)).status_code == 200
                proxy.freeze()
                for path in paths:
                    started = time.monotonic()
                    answer = await client.get(path, headers=user.headers)
                    took_s = time.monotonic() - started
                    assert answer.status_code == 503, (path, answer.text)
                    assert answer.headers["retry-after"] == "5"
                    assert took_s < STATEMENT_TIMEOUT_S + 2 * DatabaseSettings.API_WAIT_S + 3
                proxy.silence(False)
                deadline = time.monotonic() + 30
                for path in paths:
                    while (answer := await client.get(path, headers=user.headers)).is_error:
                        assert answer.status_code == 503, (path, answer.text)
                        assert time.monotonic() < deadline, (path, answer.text)
                    assert answer.status_code == 200, (path, answer.text)

"""The one-round-trip reads (`GET /jobs/{id}`, `GET /jobs`) check the user inside their own
query: a deleted or disabled user, or a token from before a password change, is refused at
once (401, not the 200 of a cached user nor the 404 of a missing job)."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.uploads import upload_file


async def _user_with_a_job(client: httpx.AsyncClient) -> tuple[SignedInUser, str]:
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"fast path")
    job = await client.post(
        "/jobs", json={"object_key": key, "language": "en", "mode": "mono"}, headers=user.headers
    )
    assert job.status_code == 201, job.text
    return user, job.json()["id"]


async def _reads(client: httpx.AsyncClient, user: SignedInUser, job_id: str) -> list[int]:
    one = await client.get(f"/jobs/{job_id}", headers=user.headers)
    page = await client.get("/jobs", headers=user.headers)
    empty_page = await client.get("/jobs", params={"offset": 50}, headers=user.headers)
    missing = await client.get("/jobs/00000000-0000-7000-8000-000000000000", headers=user.headers)
    return [r.status_code for r in (one, page, empty_page, missing)]


def _sql(database_url: str, statement: str, user_id: str) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute(statement, (user_id,))


async def test_a_valid_token_reads(client: httpx.AsyncClient) -> None:
    user, job_id = await _user_with_a_job(client)
    assert await _reads(client, user, job_id) == [200, 200, 200, 404]
    page = (await client.get("/jobs", params={"offset": 50}, headers=user.headers)).json()
    assert page["items"] == [] and page["total"] == 1  # counted even past the end


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM users WHERE id = %s",
        "UPDATE users SET disabled = true WHERE id = %s",
        # What a password change or reset does to the tokens issued before it.
        "UPDATE users SET token_version = token_version + 1 WHERE id = %s",
    ],
    ids=["deleted", "disabled", "password-changed"],
)
async def test_a_stale_token_is_refused_at_once(
    client: httpx.AsyncClient, database_url: str, statement: str
) -> None:
    user, job_id = await _user_with_a_job(client)
    assert await _reads(client, user, job_id) == [200, 200, 200, 404]
    _sql(database_url, statement, user.id)
    assert await _reads(client, user, job_id) == [401, 401, 401, 401]


async def test_a_password_change_refuses_the_old_token_on_reads(client: httpx.AsyncClient) -> None:
    user, job_id = await _user_with_a_job(client)
    changed = await client.post(
        "/auth/password",
        json={"current_password": user.password, "new_password": "another long secret"},
        headers=user.headers,
    )
    assert changed.status_code == 204, changed.text
    assert await _reads(client, user, job_id) == [401, 401, 401, 401]

"""Administration, through the API: the guard, users, jobs across users, retries; and the
`python -m transcribe admin` command that makes the first admin."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import psycopg
import pytest

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.jobs import wait_for_status
from tests.helpers.uploads import upload_file
from tests.helpers.worker import Worker


def admin_command(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "transcribe", "admin", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
async def admin(client: httpx.AsyncClient, database_url: str) -> SignedInUser:
    user = await signed_in_user(client)
    promoted = admin_command(database_url, "promote", user.email.upper())
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    return user


async def test_the_command_promotes_and_demotes(
    client: httpx.AsyncClient, database_url: str
) -> None:
    user = await signed_in_user(client)
    assert (await client.get("/auth/me", headers=user.headers)).json()["is_admin"] is False
    assert admin_command(database_url, "promote", user.email).returncode == 0
    me = (await client.get("/auth/me", headers=user.headers)).json()
    assert me["is_admin"] is True and me["email_verified"] is False
    assert (await client.get("/admin/users", headers=user.headers)).status_code == 200
    assert admin_command(database_url, "demote", user.email).returncode == 0
    assert (await client.get("/admin/users", headers=user.headers)).status_code == 403
    missing = admin_command(database_url, "promote", "nobody@example.com")
    assert missing.returncode == 1 and "no user" in missing.stdout
    assert admin_command(database_url, "crown", user.email).returncode == 2


async def test_everyone_else_gets_403(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    for call in (
        client.get("/admin/users", headers=user.headers),
        client.get("/admin/jobs", headers=user.headers),
        client.patch(f"/admin/users/{user.id}", json={"is_admin": True}, headers=user.headers),
        client.post(f"/admin/jobs/{user.id}/retry", headers=user.headers),
    ):
        assert (await call).status_code == 403
    assert (await client.get("/admin/users")).status_code == 401


async def test_users_search_disable_and_quota(
    client: httpx.AsyncClient, admin: SignedInUser
) -> None:
    target = await signed_in_user(client)
    page = (
        await client.get("/admin/users", params={"q": target.email[:15]}, headers=admin.headers)
    ).json()
    assert page["total"] == 1 and page["items"][0]["id"] == target.id
    assert page["items"][0]["usage_seconds_this_month"] == 0
    assert page["items"][0]["quota_minutes"] is None

    changed = await client.patch(
        f"/admin/users/{target.id}",
        json={"disabled": True, "quota_minutes": 30},
        headers=admin.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["disabled"] is True and changed.json()["quota_minutes"] == 30
    assert (await client.get("/auth/me", headers=target.headers)).status_code == 401
    login = await client.post(
        "/auth/login", json={"email": target.email, "password": target.password}
    )
    assert login.status_code == 403

    back = await client.patch(
        f"/admin/users/{target.id}", json={"disabled": False}, headers=admin.headers
    )
    assert back.json()["disabled"] is False and back.json()["quota_minutes"] == 30  # kept
    reset = await client.patch(
        f"/admin/users/{target.id}", json={"quota_minutes": None}, headers=admin.headers
    )
    assert reset.json()["quota_minutes"] is None
    assert (
        await client.patch(
            f"/admin/users/{target.id}", json={"quota_minutes": -1}, headers=admin.headers
        )
    ).status_code == 400
    missing = await client.patch(
        "/admin/users/00000000-0000-0000-0000-000000000000", json={}, headers=admin.headers
    )
    assert missing.status_code == 404


async def test_jobs_of_every_user_and_a_retry(
    client: httpx.AsyncClient, admin: SignedInUser, worker: Worker, database_url: str
) -> None:
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"A: retried")
    job_id = (
        await client.post(
            "/jobs",
            json={"object_key": key, "language": "en", "mode": "mono"},
            headers=user.headers,
        )
    ).json()["id"]
    await wait_for_status(client, user.headers, job_id, {"completed"})
    listed = (
        await client.get("/admin/jobs", params={"user_id": user.id}, headers=admin.headers)
    ).json()
    assert listed["total"] == 1 and listed["items"][0]["user_id"] == user.id

    not_failed = await client.post(f"/admin/jobs/{job_id}/retry", headers=admin.headers)
    assert not_failed.status_code == 409
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE transcription_jobs SET status = 'failed', error_message = 'boom' WHERE id = %s",
            (job_id,),
        )
    failed = (
        await client.get("/admin/jobs", params={"status": "failed"}, headers=admin.headers)
    ).json()
    assert job_id in [job["id"] for job in failed["items"]]
    retried = await client.post(f"/admin/jobs/{job_id}/retry", headers=admin.headers)
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    job = await wait_for_status(client, user.headers, job_id, {"completed", "failed"})
    assert job["status"] == "completed" and job["error_message"] is None
    unknown = await client.post(
        "/admin/jobs/00000000-0000-0000-0000-000000000000/retry", headers=admin.headers
    )
    assert unknown.status_code == 404


async def test_an_admin_cannot_disable_or_demote_themselves(
    client: httpx.AsyncClient, admin: SignedInUser
) -> None:
    for change in (
        {"disabled": True},
        {"is_admin": False},
        {"is_admin": False, "quota_minutes": 5},
    ):
        refused = await client.patch(f"/admin/users/{admin.id}", json=change, headers=admin.headers)
        assert refused.status_code == 409, refused.text
        assert "yourself" in refused.json()["detail"]
    me = (await client.get("/auth/me", headers=admin.headers)).json()
    assert me["is_admin"] is True
    mine = (
        await client.get("/admin/users", params={"q": admin.email}, headers=admin.headers)
    ).json()
    assert mine["items"][0]["disabled"] is False and mine["items"][0]["quota_minutes"] is None
    # What does not lock them out is allowed.
    quota = await client.patch(
        f"/admin/users/{admin.id}",
        json={"quota_minutes": 5, "is_admin": True},
        headers=admin.headers,
    )
    assert quota.status_code == 200 and quota.json()["quota_minutes"] == 5

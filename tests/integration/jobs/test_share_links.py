"""Share links: the owner makes one link a job; anyone with it reads the transcript and plays
the recording without an account, until it is revoked, expires, or the job goes.

A real worker completes the jobs (stub engine)."""

from __future__ import annotations

import dataclasses
import re
import secrets

import httpx
import psycopg

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.jobs import wait_for_status
from tests.helpers.server import serve_settings
from tests.helpers.uploads import upload_file
from tests.helpers.worker import Worker
from transcribe.settings import Settings

TEXT = "A: Welcome to the lighthouse.\nB: Thanks, the view is great.\n"
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,}")
JOB_FIELDS = {
    "id",
    "filename",
    "language",
    "mode",
    "audio_duration_s",
    "speaker_names",
    "completed_at",
}


async def completed_job(client: httpx.AsyncClient, user: SignedInUser) -> dict:
    key = await upload_file(client, user, TEXT.encode(), filename="lighthouse.txt")
    created = await client.post(
        "/jobs",
        json={"object_key": key, "language": "en", "mode": "dialogue"},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    job = await wait_for_status(client, user.headers, created.json()["id"], {"completed", "failed"})
    assert job["status"] == "completed", job
    return job


async def share(
    client: httpx.AsyncClient, user: SignedInUser, job_id: str, **body: int
) -> httpx.Response:
    return await client.post(f"/jobs/{job_id}/share", json=body, headers=user.headers)


async def view(base_url: str, token: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as anonymous:
        return await anonymous.get(f"/shared/{token}", headers=headers)


async def test_a_shared_transcript_needs_no_account(
    client: httpx.AsyncClient, base_url: str, settings: Settings, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await completed_job(client, user)
    named = await client.patch(
        f"/jobs/{job['id']}/speakers", json={"A": "Alice"}, headers=user.headers
    )
    assert named.status_code == 200, named.text

    created = await client.post(f"/jobs/{job['id']}/share", headers=user.headers)  # no body
    assert created.status_code == 201, created.text
    link = created.json()
    assert set(link) == {"token", "url", "expires_at"}
    assert TOKEN.fullmatch(link["token"])
    assert link["url"] == f"{settings.email.frontend_url}/s/{link['token']}"
    assert link["expires_at"] is None

    again = await share(client, user, job["id"])
    assert again.status_code == 201
    assert again.json() == link  # the same link
    shown = await client.get(f"/jobs/{job['id']}/share", headers=user.headers)
    assert (shown.status_code, shown.json()) == (200, link)  # a page shows it again

    shared = await view(base_url, link["token"])
    assert shared.status_code == 200, shared.text
    body = shared.json()
    assert set(body) == {"job", "transcript", "media_url", "media_content_type"}
    assert body["media_content_type"] == "text/plain"
    assert set(body["job"]) == JOB_FIELDS
    assert body["job"]["id"] == job["id"]
    assert body["job"]["filename"] == "lighthouse.txt"
    assert body["job"]["speaker_names"] == {"A": "Alice"}
    own = await client.get(f"/jobs/{job['id']}/transcript", headers=user.headers)
    assert body["transcript"] == own.json()
    assert [u["speaker_name"] for u in body["transcript"]["utterances"]] == ["Alice", None]
    for private in (user.id, user.email, job["object_key"]):  # nothing of the owner
        assert private not in shared.text

    # The recording by the link's own URL: no storage key (which names the owner) in sight.
    assert body["media_url"] == f"{settings.public_base_url}/shared/{link['token']}/media"
    async with httpx.AsyncClient(timeout=30) as anonymous:
        media = await anonymous.get(body["media_url"])
        assert media.status_code == 200
        assert media.content == TEXT.encode()
        assert media.headers["content-disposition"].startswith("inline;")
        assert media.headers["accept-ranges"] == "bytes"
        for private in (user.id, job["object_key"]):
            assert all(private not in value for value in media.headers.values())
        part = await anonymous.get(body["media_url"], headers={"Range": "bytes=3-9"})
        assert (part.status_code, part.content) == (206, TEXT.encode()[3:10])
        assert part.headers["content-range"] == f"bytes 3-9/{len(TEXT.encode())}"


async def test_expiry_is_set_and_updated(
    client: httpx.AsyncClient, base_url: str, database_url: str, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await completed_job(client, user)
    week = await share(client, user, job["id"], expires_in_days=7)
    assert week.status_code == 201
    year = await share(client, user, job["id"], expires_in_days=365)
    assert year.json()["token"] == week.json()["token"]
    assert year.json()["expires_at"] > week.json()["expires_at"]
    kept = await share(client, user, job["id"])  # no expiry given: it stays
    assert kept.json()["expires_at"] == year.json()["expires_at"]
    for bad in (0, 366):
        assert (await share(client, user, job["id"], expires_in_days=bad)).status_code == 400

    token = year.json()["token"]
    assert (await view(base_url, token)).status_code == 200
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE share_links SET expires_at = now() - interval '1 second' WHERE job_id = %s",
            (job["id"],),
        )
    expired = await view(base_url, token)
    assert expired.status_code == 404
    assert expired.json()["status_code"] == 404
    gone = await client.get(f"/jobs/{job['id']}/share", headers=user.headers)
    assert (gone.status_code, gone.json()) == (200, None)  # expired: not shown as working
    renewed = await share(client, user, job["id"])  # an expired link is replaced, not revived
    assert renewed.status_code == 201
    assert renewed.json()["token"] != token and renewed.json()["expires_at"] is None
    assert (await view(base_url, token)).status_code == 404
    assert (await view(base_url, renewed.json()["token"])).status_code == 200


async def test_revoking_stops_the_link_at_once(
    client: httpx.AsyncClient, base_url: str, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await completed_job(client, user)
    token = (await share(client, user, job["id"])).json()["token"]
    assert (await view(base_url, token)).status_code == 200
    media = (await view(base_url, token)).json()["media_url"]
    revoked = await client.delete(f"/jobs/{job['id']}/share", headers=user.headers)
    assert revoked.status_code == 204
    assert (await view(base_url, token)).status_code == 404
    async with httpx.AsyncClient(timeout=30) as anonymous:
        assert (await anonymous.get(media)).status_code == 404  # the recording too
    shown = await client.get(f"/jobs/{job['id']}/share", headers=user.headers)
    assert (shown.status_code, shown.json()) == (200, None)  # nothing to show again
    again = await client.delete(f"/jobs/{job['id']}/share", headers=user.headers)
    assert again.status_code == 204  # no link: nothing to do
    fresh = (await share(client, user, job["id"])).json()["token"]
    assert fresh != token
    assert (await view(base_url, token)).status_code == 404


async def test_unknown_tokens_and_other_peoples_jobs(
    client: httpx.AsyncClient, base_url: str, database_url: str, worker: Worker
) -> None:
    owner, stranger = await signed_in_user(client), await signed_in_user(client)
    first, second = await completed_job(client, owner), await completed_job(client, owner)
    tokens = {(await share(client, owner, job["id"])).json()["token"] for job in (first, second)}
    assert len(tokens) == 2

    for token in (secrets.token_urlsafe(32), "x", "a" * 1000, "%00"):
        assert (await view(base_url, token)).status_code == 404, token

    assert (await share(client, stranger, first["id"])).status_code == 404
    assert (
        await client.delete(f"/jobs/{first['id']}/share", headers=stranger.headers)
    ).status_code == 404
    assert (
        await client.get(f"/jobs/{first['id']}/share", headers=stranger.headers)
    ).status_code == 404
    assert (await client.post(f"/jobs/{first['id']}/share")).status_code == 401
    missing = "01a21322-7998-7289-9c44-3ee2f3050c5c"
    assert (await share(client, owner, missing)).status_code == 404

    # A job that is not (or no longer) completed: nothing to share, nothing shown.
    token = (await share(client, owner, second["id"])).json()["token"]
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE transcription_jobs SET status = 'failed' WHERE id = %s", (second["id"],)
        )
    assert (await share(client, owner, second["id"])).status_code == 409
    assert (await view(base_url, token)).status_code == 404


async def test_the_media_url_is_null_once_the_media_is_gone(
    client: httpx.AsyncClient, base_url: str, database_url: str, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await completed_job(client, user)
    token = (await share(client, user, job["id"])).json()["token"]
    with psycopg.connect(database_url) as conn:  # what retention does
        conn.execute(
            "UPDATE uploads SET status = 'expired', media_deleted_at = now() WHERE object_key = %s",
            (job["object_key"],),
        )
    shared = await view(base_url, token)
    assert shared.status_code == 200
    assert shared.json()["media_url"] is None
    assert shared.json()["media_content_type"] is None
    assert shared.json()["transcript"]["text"]
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as anonymous:
        assert (await anonymous.get(f"/shared/{token}/media")).status_code == 410


async def test_deleting_the_job_or_the_account_kills_the_link(
    client: httpx.AsyncClient, base_url: str, database_url: str, worker: Worker
) -> None:
    user = await signed_in_user(client)
    first, second = await completed_job(client, user), await completed_job(client, user)
    tokens = [(await share(client, user, job["id"])).json()["token"] for job in (first, second)]

    assert (await client.delete(f"/jobs/{first['id']}", headers=user.headers)).status_code == 204
    assert (await view(base_url, tokens[0])).status_code == 404
    assert (await view(base_url, tokens[1])).status_code == 200

    gone = await client.request(
        "DELETE", "/auth/me", json={"password": user.password}, headers=user.headers
    )
    assert gone.status_code == 204, gone.text
    assert (await view(base_url, tokens[1])).status_code == 404
    with psycopg.connect(database_url) as conn:
        left = conn.execute(
            "SELECT count(*) FROM share_links WHERE job_id IN (%s, %s)",
            (first["id"], second["id"]),
        ).fetchone()
    assert left == (0,)


async def test_views_are_limited_per_client_address(settings: Settings) -> None:
    limited = dataclasses.replace(
        settings,
        trusted_proxy_hops=1,  # each test client its own address, by X-Forwarded-For
        auth=dataclasses.replace(settings.auth, shared_views_per_minute=3),
    )
    me, other = (f"198.51.100.{secrets.randbelow(250)}", f"203.0.113.{secrets.randbelow(250)}")
    with serve_settings(limited) as url:
        token = secrets.token_urlsafe(32)
        answers = [(await view(url, token, **{"X-Forwarded-For": me})) for _ in range(4)]
        assert [a.status_code for a in answers] == [404, 404, 404, 429]
        assert int(answers[-1].headers["retry-after"]) >= 1
        assert (await view(url, token, **{"X-Forwarded-For": other})).status_code == 404

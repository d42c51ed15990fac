"""GET /jobs/{id}/media: a signed playback URL to the recording that answers Range requests
with 206, on the local backend (the service's own route) and on S3 (rclone) alike.

Playback does not wait for the transcript, so pending jobs will do; only the last test, a
share link's playback on S3, runs a worker (on S3) to complete its job."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.jobs import wait_for_status
from tests.helpers.s3_server import S3Server
from tests.helpers.server import serve_settings
from tests.helpers.storage_params import api_settings_on_local_and_s3  # noqa: F401 - fixture
from tests.helpers.uploads import upload_file
from tests.helpers.worker import running_worker
from transcribe.settings import Settings

# 1000 bytes, each position distinguishable from its neighbours.
AUDIO = bytes((i * 7 + i // 256) % 256 for i in range(1000))


@pytest.fixture(scope="module")
def s3_api(s3_settings: Settings) -> Iterator[str]:
    """The app on S3 storage (rclone): media URLs are the store's own."""
    with serve_settings(s3_settings) as url:
        yield url


async def job_with_media(
    api: httpx.AsyncClient,
    user: SignedInUser,
    content: bytes = AUDIO,
    content_type: str = "audio/mpeg",
) -> tuple[str, str]:
    """A job on a fresh upload: (job id, object key)."""
    key = await upload_file(api, user, content, "interview.mp3", content_type)
    created = await api.post(
        "/jobs", json={"object_key": key, "language": "en", "mode": "mono"}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], key


async def media_url(api: httpx.AsyncClient, user: SignedInUser, job_id: str) -> str:
    link = await api.get(f"/jobs/{job_id}/media", headers=user.headers)
    assert link.status_code == 200, link.text
    body = link.json()
    assert set(body) == {"url", "content_type", "expires_at"}
    assert body["content_type"] == "audio/mpeg"
    return body["url"]


async def test_full_and_ranged_reads(api: httpx.AsyncClient) -> None:
    user = await signed_in_user(api)
    job_id, _ = await job_with_media(api, user)
    url = await media_url(api, user, job_id)
    # Real S3 (AWS, Yandex) answers 206; rclone's `serve s3` (gofakes3 before its PR #121)
    # sends the right bytes and Content-Range under a 200. The service's own route: 206.
    partial = {206} if "/files/download/" in url else {200, 206}
    async with httpx.AsyncClient(timeout=30) as raw:  # no Authorization: the URL is the key
        whole = await raw.get(url)
        assert whole.status_code == 200
        assert whole.content == AUDIO
        assert whole.headers["content-type"] == "audio/mpeg"
        assert whole.headers["accept-ranges"] == "bytes"

        part = await raw.get(url, headers={"Range": "bytes=10-19"})
        assert part.status_code in partial
        assert part.content == AUDIO[10:20]
        assert part.headers["content-range"] == f"bytes 10-19/{len(AUDIO)}"
        assert part.headers["content-length"] == "10"

        open_ended = await raw.get(url, headers={"Range": "bytes=990-"})
        assert open_ended.status_code in partial
        assert open_ended.content == AUDIO[990:]
        assert open_ended.headers["content-range"] == f"bytes 990-999/{len(AUDIO)}"

        suffix = await raw.get(url, headers={"Range": "bytes=-5"})
        assert suffix.status_code in partial
        assert suffix.content == AUDIO[-5:]
        assert suffix.headers["content-range"] == f"bytes 995-999/{len(AUDIO)}"

        past_the_end = await raw.get(url, headers={"Range": "bytes=900-5000"})
        assert past_the_end.status_code in partial
        assert past_the_end.content == AUDIO[900:]


async def test_the_local_route_serves_media_for_players(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    job_id, _ = await job_with_media(client, user)
    url = await media_url(client, user, job_id)
    async with httpx.AsyncClient(timeout=30) as raw:
        whole = await raw.get(url)
        assert whole.headers["content-disposition"].startswith("inline;")
        assert 'filename="interview.mp3"' in whole.headers["content-disposition"]

        unsatisfiable = await raw.get(url, headers={"Range": "bytes=1000-"})
        assert unsatisfiable.status_code == 416
        assert unsatisfiable.headers["content-range"] == f"bytes */{len(AUDIO)}"
        assert unsatisfiable.json()["status_code"] == 416

        # Not understood (another unit, a malformed or a multi-range set): the whole file.
        for header in ("items=0-3", "bytes=abc", "bytes=5-2", "bytes=0-1,5-6"):
            ignored = await raw.get(url, headers={"Range": header})
            assert (ignored.status_code, ignored.content) == (200, AUDIO), header

        head = await raw.head(url)
        assert head.status_code == 200
        assert head.headers["content-length"] == str(len(AUDIO))
        assert head.headers["accept-ranges"] == "bytes"
        assert head.headers["content-type"] == "audio/mpeg"

        forged = url.replace("signature=", "signature=0")
        assert (await raw.get(forged)).status_code == 403
        assert (await raw.get(forged, headers={"Range": "bytes=0-1"})).status_code == 403
        # The signature names the object: it opens no other upload.
        _, other_key = await job_with_media(client, user)
        elsewhere = url.split("/files/download/")[0] + "/files/download/" + other_key
        elsewhere += "?" + url.split("?", 1)[1]
        assert (await raw.get(elsewhere)).status_code == 403


async def test_bad_signature_on_s3(s3_api: str) -> None:
    async with httpx.AsyncClient(base_url=s3_api, timeout=30) as api:
        user = await signed_in_user(api)
        job_id, _ = await job_with_media(api, user)
        url = await media_url(api, user, job_id)
    async with httpx.AsyncClient(timeout=30) as raw:
        forged = url.replace("X-Amz-Signature=", "X-Amz-Signature=f")
        assert (await raw.get(forged, headers={"Range": "bytes=0-1"})).status_code == 403


async def test_another_users_or_a_missing_job_is_404(client: httpx.AsyncClient) -> None:
    owner, stranger = await signed_in_user(client), await signed_in_user(client)
    job_id, _ = await job_with_media(client, owner)
    assert (await client.get(f"/jobs/{job_id}/media", headers=stranger.headers)).status_code == 404
    missing = "01a21322-7998-7289-9c44-3ee2f3050c5c"
    assert (await client.get(f"/jobs/{missing}/media", headers=owner.headers)).status_code == 404
    assert (await client.get(f"/jobs/{job_id}/media")).status_code == 401


async def test_media_deleted_is_410(
    client: httpx.AsyncClient, database_url: str, settings: Settings
) -> None:
    user = await signed_in_user(client)
    expired_job, expired_key = await job_with_media(client, user)
    url = await media_url(client, user, expired_job)
    with psycopg.connect(database_url) as conn:  # what retention does to an upload
        conn.execute(
            "UPDATE uploads SET status = 'expired', media_deleted_at = now() WHERE object_key = %s",
            (expired_key,),
        )
    (settings.storage.local_dir.resolve() / expired_key).unlink()
    gone = await client.get(f"/jobs/{expired_job}/media", headers=user.headers)
    assert gone.status_code == 410, gone.text
    assert "retention" in gone.json()["detail"]
    async with httpx.AsyncClient(timeout=30) as raw:  # a URL given before: nothing left
        assert (await raw.get(url)).status_code == 404

    marked_job, marked_key = await job_with_media(client, user)  # retention's first step only
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE uploads SET status = 'expired' WHERE object_key = %s", (marked_key,))
    assert (await client.get(f"/jobs/{marked_job}/media", headers=user.headers)).status_code == 410


async def test_media_missing_from_storage_is_410(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await signed_in_user(client)
    job_id, key = await job_with_media(client, user)
    (settings.storage.local_dir.resolve() / key).unlink()
    gone = await client.get(f"/jobs/{job_id}/media", headers=user.headers)
    assert gone.status_code == 410, gone.text


async def test_a_shared_recording_on_s3_redirects_to_the_store(
    s3_api: str, s3_server: S3Server, database_url: str, tmp_path: Path
) -> None:
    """Share links' playback on S3: the link's own URL, redirected to a presigned one, so
    media never passes through the API (and the shared page shows no storage key)."""
    text = b"A: Stored in a bucket.\n"
    async with httpx.AsyncClient(base_url=s3_api, timeout=30) as api:
        user = await signed_in_user(api)
        key = await upload_file(api, user, text, "bucket.txt")
        with running_worker(database_url, tmp_path / "worker.log", **s3_server.env):
            created = await api.post(
                "/jobs",
                json={"object_key": key, "language": "en", "mode": "dialogue"},
                headers=user.headers,
            )
            job = await wait_for_status(
                api, user.headers, created.json()["id"], {"completed", "failed"}
            )
        assert job["status"] == "completed", job
        token = (await api.post(f"/jobs/{job['id']}/share", headers=user.headers)).json()["token"]
        shared = await api.get(f"/shared/{token}")
        assert shared.status_code == 200, shared.text
    media = shared.json()["media_url"]
    assert media == f"{s3_api}/shared/{token}/media"
    async with httpx.AsyncClient(timeout=30) as anonymous:
        redirect = await anonymous.get(media)
        assert redirect.status_code == 302
        assert redirect.headers["location"].startswith(s3_server.endpoint_url)
        played = await anonymous.get(media, follow_redirects=True, headers={"Range": "bytes=3-8"})
        assert played.content == text[3:9]

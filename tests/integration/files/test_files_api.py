"""The files API over real HTTP, on the local backend and on S3."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import psycopg
import pytest

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.server import serve_settings
from tests.helpers.storage_params import api_settings_on_local_and_s3  # noqa: F401 - fixture
from tests.helpers.uploads import upload_file
from transcribe.settings import Settings

AUDIO = b"ID3" + bytes(range(256)) * 40


async def _presign(
    api: httpx.AsyncClient, user: SignedInUser, **overrides: object
) -> httpx.Response:
    body = {"filename": "talk.mp3", "size": len(AUDIO), "content_type": "audio/mpeg", **overrides}
    return await api.post("/files/presign", json=body, headers=user.headers)


async def test_upload_round_trip(api: httpx.AsyncClient) -> None:
    user = await signed_in_user(api)
    presigned = await _presign(api, user, filename="My talk.mp3")
    assert presigned.status_code == 201, presigned.text
    body = presigned.json()
    assert body["method"] == "PUT" and body["expires_at"]
    assert body["object_key"].startswith(f"uploads/{user.id}/") and body["object_key"].endswith(
        "/My talk.mp3"
    )
    async with httpx.AsyncClient() as raw:  # no Authorization header anywhere below
        put = await raw.put(body["upload_url"], content=AUDIO, headers=body["headers"])
        assert put.status_code in (200, 201), put.text
    done = await api.post(
        "/files/complete", json={"object_key": body["object_key"]}, headers=user.headers
    )
    assert done.status_code == 200, done.text
    assert done.json() == {
        "object_key": body["object_key"],
        "filename": "My talk.mp3",
        "size": len(AUDIO),
        "content_type": "audio/mpeg",
        "status": "uploaded",
        "created_at": done.json()["created_at"],
    }
    again = await api.post(
        "/files/complete", json={"object_key": body["object_key"]}, headers=user.headers
    )
    assert again.status_code == 200
    listed = (await api.get("/files", headers=user.headers)).json()
    assert listed["total"] == 1 and listed["items"][0]["object_key"] == body["object_key"]
    assert (
        await api.delete(f"/files/{body['object_key']}", headers=user.headers)
    ).status_code == 204
    assert (await api.get("/files", headers=user.headers)).json()["total"] == 0
    gone = await api.post(
        "/files/complete", json={"object_key": body["object_key"]}, headers=user.headers
    )
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"size": 0}, 400),
        ({"size": -5}, 400),
        ({"size": 3 * 1024**3}, 413),
        ({"content_type": "application/pdf"}, 415),
        ({"content_type": "image/png"}, 415),
        ({"filename": ""}, 400),
        ({"size": "big"}, 400),
        ({"extra": 1}, 400),
    ],
)
async def test_presign_validation(
    client: httpx.AsyncClient, database_url: str, overrides: dict, status: int
) -> None:
    user = await signed_in_user(client)
    response = await _presign(client, user, **overrides)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    with psycopg.connect(database_url) as conn:
        assert (
            conn.execute("SELECT count(*) FROM uploads WHERE user_id = %s", (user.id,)).fetchone()[
                0
            ]
            == 0
        )


async def test_video_and_text_with_stub_engine_are_accepted(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    for content_type in ("video/mp4", "audio/ogg; codecs=opus", "text/plain"):
        assert (await _presign(client, user, content_type=content_type)).status_code == 201


async def test_complete_before_upload_and_with_wrong_size_is_409(api: httpx.AsyncClient) -> None:
    user = await signed_in_user(api)
    body = (await _presign(api, user)).json()
    early = await api.post(
        "/files/complete", json={"object_key": body["object_key"]}, headers=user.headers
    )
    assert early.status_code == 409 and "yet" in early.json()["detail"]
    headers = {k: v for k, v in body["headers"].items() if k.lower() != "content-length"}
    async with httpx.AsyncClient() as raw:
        put = await raw.put(body["upload_url"], content=AUDIO[:-10], headers=headers)
        assert put.status_code in (200, 201)
    short = await api.post(
        "/files/complete", json={"object_key": body["object_key"]}, headers=user.headers
    )
    assert short.status_code == 409 and "differs" in short.json()["detail"]
    # The wrong object was removed, so the same URL can simply be used again.
    async with httpx.AsyncClient() as raw:
        assert (
            await raw.put(body["upload_url"], content=AUDIO, headers=body["headers"])
        ).status_code in (200, 201)
    fixed = await api.post(
        "/files/complete", json={"object_key": body["object_key"]}, headers=user.headers
    )
    assert fixed.status_code == 200


async def test_other_users_files_are_404(api: httpx.AsyncClient) -> None:
    owner = await signed_in_user(api)
    stranger = await signed_in_user(api)
    key = await upload_file(api, owner, AUDIO, filename="mine.mp3", content_type="audio/mpeg")
    assert (
        await api.post("/files/complete", json={"object_key": key}, headers=stranger.headers)
    ).status_code == 404
    assert (await api.delete(f"/files/{key}", headers=stranger.headers)).status_code == 404
    assert (await api.get("/files", headers=stranger.headers)).json()["total"] == 0
    assert (await api.get("/files", headers=owner.headers)).json()["total"] == 1


async def test_file_in_use_by_a_running_job_cannot_be_deleted(
    client: httpx.AsyncClient, database_url: str
) -> None:
    user = await signed_in_user(client)
    key = await upload_file(client, user, AUDIO, filename="busy.mp3", content_type="audio/mpeg")
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO transcription_jobs (id, user_id, status, language, mode, source_object_key, filename, "
            "created_at, updated_at) VALUES (gen_random_uuid(), %s, 'processing', 'en', 'mono', %s, 'busy.mp3', "
            "now(), now())",
            (user.id, key),
        )
    response = await client.delete(f"/files/{key}", headers=user.headers)
    assert response.status_code == 409
    assert (await client.get("/files", headers=user.headers)).json()["total"] == 1


async def test_files_list_is_paginated(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    keys = [
        (await _presign(client, user, filename=f"{i}.mp3")).json()["object_key"] for i in range(3)
    ]
    page = (
        await client.get("/files", params={"limit": 2, "offset": 1}, headers=user.headers)
    ).json()
    assert page["total"] == 3 and [f["object_key"] for f in page["items"]] == [keys[1], keys[0]]
    assert (
        await client.get("/files", params={"limit": 0}, headers=user.headers)
    ).status_code == 400
    huge = {"offset": 427259083242044391424}
    assert (await client.get("/files", params=huge, headers=user.headers)).status_code == 400


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit((*parts[:3], urlencode(query), ""))


async def test_local_upload_url_rejects_tampering_expiry_and_excess(
    client: httpx.AsyncClient, storage_dir: Path
) -> None:
    user = await signed_in_user(client)
    body = (await _presign(client, user, size=100)).json()
    url = body["upload_url"]
    sig = parse_qs(urlsplit(url).query)["signature"][0]
    other_key = url.replace(body["object_key"].rsplit("/", 1)[1], "other.mp3")
    async with httpx.AsyncClient() as raw:
        for bad in (
            _with_query(url, signature="0" * len(sig)),
            _with_query(url, signature="ü-not-hex"),
            _with_query(url, size="1000"),
            _with_query(url, expires=str(int(time.time()) + 9999)),
            other_key,
            url.split("?")[0],
        ):
            response = await raw.put(bad, content=b"x" * 100)
            assert response.status_code == 403, (bad, response.text)
        too_big = await raw.put(url, content=b"x" * 101)
        assert too_big.status_code == 413

        async def trickle() -> AsyncIterator[bytes]:  # no Content-Length: caught while streaming
            for _ in range(3):
                yield b"y" * 60

        streamed = await raw.put(url, content=trickle())
        assert streamed.status_code == 413
        assert not list(storage_dir.glob(f"{body['object_key']}*")), "nothing may be left behind"
        ok = await raw.put(url, content=b"z" * 100)
        assert ok.status_code == 201
    expired = await client.post(
        "/files/presign",
        json={"filename": "a.mp3", "size": 1, "content_type": "audio/mpeg"},
        headers=user.headers,
    )
    expired_url = _with_query(expired.json()["upload_url"], expires=str(int(time.time()) - 5))
    async with httpx.AsyncClient() as raw:
        assert (await raw.put(expired_url, content=b"a")).status_code == 403


async def test_traversal_in_object_keys_finds_nothing(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    for key in ("../../etc/passwd", f"uploads/{user.id}/../../x", "/etc/passwd"):
        response = await client.post(
            "/files/complete", json={"object_key": key}, headers=user.headers
        )
        assert response.status_code == 404
    async with httpx.AsyncClient() as raw:
        response = await raw.get(
            f"{client.base_url}/files/download/..%2F..%2Fetc%2Fpasswd?expires=9999999999&signature=x"
        )
        assert response.status_code in (403, 404)


async def test_nul_characters_are_refused_not_crashed_on(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    bad_presign = await _presign(client, user, filename="a\x00b.mp3")
    assert bad_presign.status_code == 400
    bad_complete = await client.post(
        "/files/complete", json={"object_key": "x\x00y"}, headers=user.headers
    )
    assert bad_complete.status_code == 400
    assert (await client.delete("/files/uploads/x%00y", headers=user.headers)).status_code == 404
    for path, body in (
        ("/auth/register", {"email": "nul\x00@example.com", "password": "long-enough"}),
        ("/auth/login", {"email": "nul\x00@example.com", "password": "long-enough"}),
        ("/jobs", {"object_key": "k\x00", "language": "en", "mode": "mono"}),
    ):
        response = await client.post(path, json=body, headers=user.headers)
        assert response.status_code == 400, (path, response.text)


async def test_pending_uploads_are_limited_per_user(settings: Settings) -> None:
    strict = dataclasses.replace(
        settings, storage=dataclasses.replace(settings.storage, max_pending_uploads=3)
    )
    with serve_settings(strict) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            user, other = await signed_in_user(client), await signed_in_user(client)
            body = {"filename": "a.wav", "size": 4, "content_type": "audio/wav"}

            async def presign(who: SignedInUser) -> httpx.Response:
                return await client.post("/files/presign", json=body, headers=who.headers)

            first = [await presign(user) for _ in range(3)]
            assert [r.status_code for r in first] == [201] * 3
            refused = await presign(user)
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
            assert (await presign(other)).status_code == 201  # limits are per user
            # Completing one frees a place.
            signed = first[0].json()
            async with httpx.AsyncClient(timeout=30) as raw:
                put = await raw.put(
                    signed["upload_url"], content=b"abcd", headers=signed["headers"]
                )
            assert put.status_code in (200, 201)
            done = await client.post(
                "/files/complete", json={"object_key": signed["object_key"]}, headers=user.headers
            )
            assert done.status_code == 200
            assert (await presign(user)).status_code == 201


async def test_an_upload_the_client_abandons_is_no_crash_and_stores_nothing(
    client: httpx.AsyncClient, storage_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncio
    import logging

    user = await signed_in_user(client)
    presigned = (
        await client.post(
            "/files/presign",
            json={"filename": "cut.mp3", "size": 1_000_000, "content_type": "audio/mpeg"},
            headers=user.headers,
        )
    ).json()
    url = urlsplit(presigned["upload_url"])
    caplog.set_level(logging.INFO)
    _reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(
        f"PUT {url.path}?{url.query} HTTP/1.1\r\nHost: {url.netloc}\r\n"
        "Content-Type: audio/mpeg\r\nContent-Length: 1000000\r\n\r\n".encode()
        + b"x" * 5000
    )
    await writer.drain()
    await asyncio.sleep(0.3)
    writer.close()  # gone, 995,000 bytes short
    await asyncio.sleep(1)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records), [
        r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
    ]
    assert any("interrupted by the client" in r.getMessage() for r in caplog.records)
    assert not (storage_dir / presigned["object_key"]).exists()


async def test_a_json_body_the_client_abandons_is_no_crash(
    client: httpx.AsyncClient, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncio
    import logging

    user = await signed_in_user(client)
    url = urlsplit(base_url)
    caplog.set_level(logging.INFO)
    _reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(
        f"POST /jobs HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: {user.headers['Authorization']}\r\n"
        "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n".encode()
        + b'{"object_key": "'
    )
    await writer.drain()
    await asyncio.sleep(0.3)
    writer.close()  # gone before the body was complete
    await asyncio.sleep(1)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records), [
        r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
    ]
    assert any(
        "went away before sending its whole request" in r.getMessage() for r in caplog.records
    )


async def test_file_names_are_shown_without_control_or_bidi_characters(
    client: httpx.AsyncClient,
) -> None:
    user = await signed_in_user(client)
    evil = "evil\x1b[31m\r\nred\u202etxt.exe.mp3"
    key = await upload_file(client, user, b"abc", filename=evil, content_type="audio/mpeg")
    listed = (await client.get("/files", headers=user.headers)).json()["items"]
    shown = next(f["filename"] for f in listed if f["object_key"] == key)
    assert shown == "evil[31m redtxt.exe.mp3"
    job = await client.post(
        "/jobs", json={"object_key": key, "language": "en", "mode": "mono"}, headers=user.headers
    )
    assert job.json()["filename"] == shown
    await client.delete(f"/jobs/{job.json()['id']}", headers=user.headers)


async def _presign_mp3(client: httpx.AsyncClient, user: SignedInUser, size: int) -> dict:
    answer = await client.post(
        "/files/presign",
        json={"filename": "once.mp3", "size": size, "content_type": "audio/mpeg"},
        headers=user.headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_presigned_put_works_until_the_upload_is_completed_or_deleted(
    client: httpx.AsyncClient, storage_dir: Path
) -> None:
    user = await signed_in_user(client)
    done, gone = await _presign_mp3(client, user, 3), await _presign_mp3(client, user, 3)
    async with httpx.AsyncClient() as raw:
        for presigned in (done, gone):
            put = await raw.put(
                presigned["upload_url"], content=b"abc", headers=presigned["headers"]
            )
            assert put.status_code == 201, put.text
        completed = await client.post(
            "/files/complete", json={"object_key": done["object_key"]}, headers=user.headers
        )
        assert completed.status_code == 200
        assert (
            await client.delete(f"/files/{gone['object_key']}", headers=user.headers)
        ).status_code == 204
        for presigned in (done, gone):  # the same URL again, still within its lifetime
            again = await raw.put(
                presigned["upload_url"], content=b"xyz", headers=presigned["headers"]
            )
            assert again.status_code == 409, again.text
            assert "presign a new one" in again.json()["detail"]
    assert (storage_dir / done["object_key"]).read_bytes() == b"abc"  # the checked bytes stay
    assert not (storage_dir / gone["object_key"]).exists()  # no bytes without a row
    assert not list((storage_dir / "staging").glob("*"))


async def test_housekeeping_removes_what_a_crashed_upload_left_in_staging(
    settings: Settings, storage_dir: Path
) -> None:
    import os

    from transcribe.worker.housekeeping import clean_up
    from transcribe.worker.runtime import WorkerRuntime

    staging = storage_dir / "staging"
    staging.mkdir(exist_ok=True)
    (staging / "crashed").write_bytes(b"half")
    old = time.time() - 3 * settings.storage.url_ttl_s
    os.utime(staging / "crashed", (old, old))
    (staging / "receiving").write_bytes(b"still coming")
    rt = WorkerRuntime(settings)
    try:
        await clean_up(rt)
    finally:
        await rt.close()
    assert not (staging / "crashed").exists()
    assert (staging / "receiving").exists()
    (staging / "receiving").unlink()

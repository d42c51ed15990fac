"""The jobs API without a worker running: jobs stay pending, so every rule is observable."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from tests.helpers.accounts import signed_in_user
from tests.helpers.uploads import upload_file


async def _job_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM transcription_jobs").fetchone()[0]


async def test_create_job_returns_a_pending_job_and_queues_it(
    client: httpx.AsyncClient, database_url: str
) -> None:
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"hello there", filename="hello.txt")
    response = await client.post(
        "/jobs", json={"object_key": key, "language": "EN", "mode": "mono"}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    job = response.json()
    assert job["status"] == "pending"
    assert job["language"] == "en" and job["mode"] == "mono"
    assert job["object_key"] == key and job["filename"] == "hello.txt"
    assert job["engine"] == "stub"  # the engine that will run it
    for field in (
        "started_at",
        "completed_at",
        "error_message",
        "detected_language",
        "audio_duration_s",
    ):
        assert job[field] is None
    with psycopg.connect(database_url) as conn:
        queued = conn.execute(
            "SELECT q.task_name, q.status, q.args->>'job_id' FROM procrastinate_jobs q "
            "JOIN transcription_jobs j ON j.queue_job_id = q.id WHERE j.id = %s",
            (job["id"],),
        ).fetchone()
    assert queued == ("transcribe_job", "todo", job["id"])


@pytest.mark.parametrize(
    "payload",
    [
        {"language": "xx", "mode": "mono"},
        {"language": "english", "mode": "mono"},
        {"language": "en", "mode": "stereo"},
        {"language": "en"},
        {"mode": "mono"},
        {"language": "en", "mode": "mono", "priority": "high"},
    ],
)
async def test_bad_job_fields_are_400_and_create_nothing(
    client: httpx.AsyncClient, database_url: str, payload: dict
) -> None:
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"some words")
    before = await _job_count(database_url)
    response = await client.post("/jobs", json={"object_key": key, **payload}, headers=user.headers)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]
    assert await _job_count(database_url) == before


async def test_auto_language_is_accepted(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"bonjour")
    response = await client.post(
        "/jobs",
        json={"object_key": key, "language": "auto", "mode": "dialogue"},
        headers=user.headers,
    )
    assert response.status_code == 201
    assert response.json()["language"] == "auto"


async def test_object_of_another_user_or_missing_is_404(
    client: httpx.AsyncClient, database_url: str
) -> None:
    owner = await signed_in_user(client)
    stranger = await signed_in_user(client)
    key = await upload_file(client, owner, b"private words")
    before = await _job_count(database_url)
    for object_key in (key, f"uploads/{stranger.id}/nope/missing.txt"):
        response = await client.post(
            "/jobs",
            json={"object_key": object_key, "language": "en", "mode": "mono"},
            headers=stranger.headers,
        )
        assert response.status_code == 404, response.text
    assert await _job_count(database_url) == before


async def test_upload_not_completed_is_409(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    presigned = await client.post(
        "/files/presign",
        json={"filename": "later.txt", "size": 5, "content_type": "text/plain"},
        headers=user.headers,
    )
    assert presigned.status_code == 201
    response = await client.post(
        "/jobs",
        json={"object_key": presigned.json()["object_key"], "language": "en", "mode": "mono"},
        headers=user.headers,
    )
    assert response.status_code == 409


async def test_jobs_need_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/jobs")).status_code == 401
    assert (await client.post("/jobs", json={})).status_code == 401


async def _create(client: httpx.AsyncClient, user, text: bytes = b"words") -> dict:
    key = await upload_file(client, user, text)
    response = await client.post(
        "/jobs", json={"object_key": key, "language": "en", "mode": "mono"}, headers=user.headers
    )
    assert response.status_code == 201
    return response.json()


async def test_list_is_paginated_newest_first(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    created = [await _create(client, user, f"job {i}".encode()) for i in range(5)]
    first = await client.get("/jobs", params={"limit": 2}, headers=user.headers)
    assert first.status_code == 200
    page = first.json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 0
    assert [j["id"] for j in page["items"]] == [created[4]["id"], created[3]["id"]]
    last = (
        await client.get("/jobs", params={"limit": 2, "offset": 4}, headers=user.headers)
    ).json()
    assert [j["id"] for j in last["items"]] == [created[0]["id"]]
    default = (await client.get("/jobs", headers=user.headers)).json()
    assert default["limit"] == 20 and len(default["items"]) == 5


async def test_list_filters_by_status_and_hides_other_users(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    other = await signed_in_user(client)
    mine = await _create(client, user)
    await _create(client, other)
    cancelled = await _create(client, user)
    assert (
        await client.delete(f"/jobs/{cancelled['id']}", headers=user.headers)
    ).status_code == 204
    pending = (await client.get("/jobs", params={"status": "pending"}, headers=user.headers)).json()
    assert [j["id"] for j in pending["items"]] == [mine["id"]] and pending["total"] == 1
    gone = (await client.get("/jobs", params={"status": "cancelled"}, headers=user.headers)).json()
    assert [j["id"] for j in gone["items"]] == [cancelled["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"offset": -1},
        {"offset": 427259083242044391424},
        {"status": "running"},
    ],
)
async def test_bad_list_query_is_400(client: httpx.AsyncClient, params: dict) -> None:
    user = await signed_in_user(client)
    response = await client.get("/jobs", params=params, headers=user.headers)
    assert response.status_code == 400, response.text


async def test_other_users_job_is_404_everywhere(client: httpx.AsyncClient) -> None:
    owner = await signed_in_user(client)
    stranger = await signed_in_user(client)
    job = await _create(client, owner)
    for method, path in (
        ("GET", f"/jobs/{job['id']}"),
        ("GET", f"/jobs/{job['id']}/download"),
        ("DELETE", f"/jobs/{job['id']}"),
    ):
        response = await client.request(method, path, headers=stranger.headers)
        assert response.status_code == 404, (method, path, response.text)
    still = await client.get(f"/jobs/{job['id']}", headers=owner.headers)
    assert still.json()["status"] == "pending"


async def test_unknown_job_is_404(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    assert (
        await client.get("/jobs/00000000-0000-7000-8000-000000000000", headers=user.headers)
    ).status_code == 404
    assert (await client.get("/jobs/not-a-uuid", headers=user.headers)).status_code in (400, 404)


async def test_download_before_completion_is_409_and_unknown_format_400(
    client: httpx.AsyncClient,
) -> None:
    user = await signed_in_user(client)
    job = await _create(client, user)
    assert (
        await client.get(f"/jobs/{job['id']}/download", headers=user.headers)
    ).status_code == 409
    response = await client.get(
        f"/jobs/{job['id']}/download", params={"format": "pdf"}, headers=user.headers
    )
    assert response.status_code == 400


async def test_delete_cancels_an_unfinished_job_then_removes_it(
    client: httpx.AsyncClient, database_url: str
) -> None:
    user = await signed_in_user(client)
    job = await _create(client, user)
    assert (await client.delete(f"/jobs/{job['id']}", headers=user.headers)).status_code == 204
    cancelled = (await client.get(f"/jobs/{job['id']}", headers=user.headers)).json()
    assert cancelled["status"] == "cancelled" and cancelled["completed_at"]
    with psycopg.connect(database_url) as conn:
        queue_status = conn.execute(
            "SELECT q.status FROM procrastinate_jobs q JOIN transcription_jobs j "
            "ON j.queue_job_id = q.id WHERE j.id = %s",
            (job["id"],),
        ).fetchone()[0]
    assert queue_status == "cancelled"
    assert (await client.delete(f"/jobs/{job['id']}", headers=user.headers)).status_code == 204
    assert (await client.get(f"/jobs/{job['id']}", headers=user.headers)).status_code == 404


async def test_transcript_routes_of_a_cancelled_job_are_409(client: httpx.AsyncClient) -> None:
    # Here, with no worker, the job is still unfinished when cancelled; beside a worker the
    # stub engine could finish it first, and the DELETE would then remove it (404).
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"A: never finished")
    job = (
        await client.post(
            "/jobs",
            json={"object_key": key, "language": "en", "mode": "dialogue"},
            headers=user.headers,
        )
    ).json()
    assert (await client.delete(f"/jobs/{job['id']}", headers=user.headers)).status_code == 204
    for method, path, body in (
        ("GET", "transcript", None),
        ("GET", "download", None),
        ("PATCH", "speakers", {"A": "x"}),
    ):
        response = await client.request(
            method, f"/jobs/{job['id']}/{path}", json=body, headers=user.headers
        )
        assert response.status_code == 409, (path, response.text)


async def test_openapi_documents_the_jobs_api(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    for path in (
        "/jobs",
        "/jobs/{job_id}",
        "/jobs/{job_id}/download",
        "/files",
        "/files/presign",
        "/files/complete",
        "/files/{object_key}",
        "/files/upload/{object_key}",
        "/files/download/{object_key}",
        "/metrics",
    ):
        assert path in document["paths"], path
    schemas = set(document["components"]["schemas"])
    assert {"Job", "JobCreate", "DownloadLink"} <= schemas
    assert {"PresignRequest", "PresignedUpload", "CompleteRequest", "UploadedFile"} <= schemas
    for path, item in (("/jobs", "Job"), ("/files", "UploadedFile")):  # pages say what they hold
        page = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert page["schema"] == {"$ref": f"#/components/schemas/{item}Page"}  # one class each
        properties = document["components"]["schemas"][f"{item}Page"]["properties"]
        assert properties["items"]["items"] == {"$ref": f"#/components/schemas/{item}"}
        assert {"total", "limit", "offset"} <= set(properties)

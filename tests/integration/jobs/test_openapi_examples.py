"""Every request example in the OpenAPI document is one the service takes: Swagger's "Try
it out" sends them as given (the object key aside, which only POST /files/presign can give),
so each is sent here to the real service. Tags come in the order a user needs them."""

from __future__ import annotations

import httpx

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.jobs import wait_for_status
from tests.helpers.uploads import upload_file
from tests.helpers.worker import Worker

PLACEHOLDER_KEY = "uploads/<your user id>/<upload id>/interview.mp3"


def body_examples(document: dict) -> dict[tuple[str, str], list[dict]]:
    found: dict[tuple[str, str], list[dict]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            examples = schema.get("examples") or []
            if examples:
                found[(method.upper(), path)] = examples
    return found


async def _completed_job(client: httpx.AsyncClient, user: SignedInUser) -> str:
    """A finished dialogue (speakers A and B) of a few words, as the examples edit one."""
    key = await upload_file(client, user, b"A: Good morning to\nB: everyone here today.\n")
    created = await client.post(
        "/jobs",
        json={"object_key": key, "language": "en", "mode": "dialogue"},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    job = await wait_for_status(client, user.headers, created.json()["id"], {"completed"})
    return job["id"]


async def test_every_request_example_is_accepted(client: httpx.AsyncClient, worker: Worker) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    examples = body_examples(document)
    # The operations that carry examples, each sent below: a new one fails here until it is.
    assert set(examples) == {
        ("POST", "/files/presign"),
        ("POST", "/jobs"),
        ("PATCH", "/jobs/{job_id}/transcript"),
        ("PATCH", "/jobs/{job_id}/speakers"),
        ("POST", "/jobs/{job_id}/share"),
    }
    user = await signed_in_user(client)

    for example in examples[("POST", "/files/presign")]:
        answer = await client.post("/files/presign", json=example, headers=user.headers)
        assert answer.status_code == 201, (example, answer.text)

    for example in examples[("POST", "/jobs")]:
        assert example["object_key"] == PLACEHOLDER_KEY  # says where a real one comes from
        key = await upload_file(client, user, b"Are we recording? We are.")
        answer = await client.post(
            "/jobs", json={**example, "object_key": key}, headers=user.headers
        )
        assert answer.status_code == 201, (example, answer.text)

    for example in examples[("PATCH", "/jobs/{job_id}/transcript")]:
        job_id = await _completed_job(client, user)  # each example edits revision 0
        answer = await client.patch(
            f"/jobs/{job_id}/transcript", json=example, headers=user.headers
        )
        assert answer.status_code == 200, (example, answer.text)

    job_id = await _completed_job(client, user)
    for example in examples[("PATCH", "/jobs/{job_id}/speakers")]:
        answer = await client.patch(f"/jobs/{job_id}/speakers", json=example, headers=user.headers)
        assert answer.status_code == 200, (example, answer.text)
    for example in examples[("POST", "/jobs/{job_id}/share")]:
        answer = await client.post(f"/jobs/{job_id}/share", json=example, headers=user.headers)
        assert answer.status_code in (200, 201), (example, answer.text)


async def test_tags_come_in_the_order_a_user_needs_them(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    names = [tag["name"] for tag in document["tags"]]
    assert names[:3] == ["Accounts", "Files", "Transcription jobs"]
    used = {
        tag
        for operations in document["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for tag in operation.get("tags", [])
    }
    assert used <= set(names)  # every tag in use is listed, so placed

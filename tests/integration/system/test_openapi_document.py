"""The OpenAPI document is valid OpenAPI, as a validator nobody here wrote reads it (client
generators trip on what it refuses)."""

from __future__ import annotations

import httpx
from openapi_spec_validator import OpenAPIV31SpecValidator

from tests.helpers.accounts import signed_in_user
from tests.helpers.uploads import upload_file

_PAGE = {"items", "total", "limit", "offset"}


async def test_the_document_validates(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    problems = [
        f"{'/'.join(map(str, error.path))}: {error.message}"
        for error in OpenAPIV31SpecValidator(document).iter_errors()
    ]
    assert problems == []


async def test_bearer_tokens_are_plain_http_bearer_schemes(client: httpx.AsyncClient) -> None:
    """Litestar's JWTAuth adds `name` (an apiKey field) and `bearerFormat: JWT`; API keys
    (trk_...) are bearer tokens too."""
    schemes = (await client.get("/schema/openapi.json")).json()["components"]["securitySchemes"]
    bearer = schemes["BearerToken"]
    assert bearer["type"] == "http" and bearer["scheme"].lower() == "bearer"
    assert "name" not in bearer and "bearerFormat" not in bearer
    assert "trk_" in bearer["description"]


async def test_every_400_is_our_error_body_and_always_sent_fields_are_required(
    client: httpx.AsyncClient,
) -> None:
    """Generators drop a 400 documented with Litestar's own inline validation schema, and
    type fields that are always sent as optional unless they are required."""
    document = (await client.get("/schema/openapi.json")).json()
    inline = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            bad = operation.get("responses", {}).get("400")
            if bad and "content" in bad:
                if bad["content"]["application/json"]["schema"] != {
                    "$ref": "#/components/schemas/ErrorBody"
                }:
                    inline.append(f"{method.upper()} {path}")
    assert inline == []
    job = document["components"]["schemas"]["Job"]
    assert set(job["required"]) == set(job["properties"])
    page = document["paths"]["/jobs"]["get"]["responses"]["200"]["content"]["application/json"]
    assert page["schema"] == {"$ref": "#/components/schemas/JobPage"}
    assert set(document["components"]["schemas"]["JobPage"]["required"]) == _PAGE
    # And the service keeps that promise: a job as served has every required field.
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"required fields")
    created = await client.post(
        "/jobs", json={"object_key": key, "language": "en", "mode": "mono"}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    listed = (await client.get("/jobs", headers=user.headers)).json()
    assert set(job["required"]) <= set(created.json()) and _PAGE <= set(listed)
    assert set(job["required"]) <= set(listed["items"][0])


async def test_streams_say_what_they_carry(client: httpx.AsyncClient) -> None:
    """Event streams: each event's data is a job; the presigned local download and upload
    are bytes (a generated client would otherwise parse a file as JSON, or send nothing)."""
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in ("/events", "/jobs/{job_id}/events"):
        events = paths[path]["get"]["responses"]["200"]["content"]["text/event-stream"]
        assert events["schema"]["$ref"] == "#/components/schemas/Job"
    binary = {"schema": {"type": "string", "format": "binary"}}
    download = paths["/files/download/{object_key}"]["get"]["responses"]["200"]["content"]
    assert download == {"application/octet-stream": binary}
    upload = paths["/files/upload/{object_key}"]["put"]["requestBody"]
    assert upload["required"] and upload["content"] == {"application/octet-stream": binary}


async def test_closed_sets_are_enums_and_403s_say_why(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    (fmt,) = [
        p for p in paths["/jobs/{job_id}/download"]["get"]["parameters"] if p["name"] == "format"
    ]
    assert fmt["schema"]["enum"] == ["txt", "srt", "vtt", "json", "docx"]
    assert "not an admin" in paths["/admin/users"]["get"]["responses"]["403"]["description"]
    assert "API key" in paths["/api-keys"]["get"]["responses"]["403"]["description"]

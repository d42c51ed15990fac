"""What generated clients are named after: operation ids (their methods) and component
schemas (their classes), as the served document has them."""

from __future__ import annotations

import httpx

from transcribe.lib.operation_ids import OPERATION_IDS

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


async def test_every_operation_has_its_name_from_the_list(client: httpx.AsyncClient) -> None:
    """Litestar's default (`AuthLoginLogin`) would change with a handler's name; ours are
    listed in operation_ids.py, unique, and each listed one is in the document."""
    document = (await client.get("/schema/openapi.json")).json()
    served = {
        (method, path): operation["operationId"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }
    unnamed = sorted(f"{m.upper()} {p}" for m, p in set(served) - set(OPERATION_IDS))
    assert unnamed == [], f"add these to transcribe/lib/operation_ids.py: {unnamed}"
    assert served == OPERATION_IDS  # none listed that the document lacks
    assert len(set(served.values())) == len(served)
    assert served[("post", "/auth/login")] == "login"


async def test_pages_and_shared_enums_are_one_schema_each(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    pages = {
        path: item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        for path, item in document["paths"].items()
        if path in ("/jobs", "/files", "/admin/jobs", "/admin/users")
    }
    assert pages == {
        "/jobs": {"$ref": "#/components/schemas/JobPage"},
        "/files": {"$ref": "#/components/schemas/UploadedFilePage"},
        "/admin/jobs": {"$ref": "#/components/schemas/AdminJobPage"},
        "/admin/users": {"$ref": "#/components/schemas/AdminUserPage"},
    }
    for name in ("JobPage", "UploadedFilePage", "AdminJobPage", "AdminUserPage"):
        assert set(schemas[name]["required"]) == {"items", "total", "limit", "offset"}
    # Closed sets shared by several schemas are one named enum each (one generated class).
    assert schemas["JobMode"]["enum"] == ["mono", "dialogue"]
    for name in ("Job", "JobCreate", "AdminJob", "SharedJob"):
        assert schemas[name]["properties"]["mode"]["$ref"] == "#/components/schemas/JobMode"
    # A webhook endpoint's events as listed or created are those one can ask for.
    assert schemas["WebhookEvent"]["enum"] == ["job.completed", "job.failed"]
    for name in ("EndpointCreate", "Endpoint", "CreatedEndpoint"):
        events = schemas[name]["properties"]["events"]["items"]
        assert events == {"$ref": "#/components/schemas/WebhookEvent"}


async def test_a_head_answer_has_no_body(client: httpx.AsyncClient) -> None:
    """Documented as JSON `null`, a generated client parses the empty body of a 200 and fails."""
    document = (await client.get("/schema/openapi.json")).json()
    heads = [item["head"] for item in document["paths"].values() if "head" in item]
    assert heads
    for head in heads:
        for status, response in head["responses"].items():
            if status.startswith("2"):
                assert "content" not in response, head["operationId"]


async def test_every_get_answers_a_body(client: httpx.AsyncClient) -> None:
    """A success without content is typed `unknown` (TypeScript) or `None` (Python): a
    streamed recording is bytes."""
    document = (await client.get("/schema/openapi.json")).json()
    bodiless = [
        f"GET {path} {status}"
        for path, item in document["paths"].items()
        if "get" in item
        for status, response in item["get"]["responses"].items()
        if status.startswith("2") and not response.get("content")
    ]
    assert bodiless == []
    media = document["paths"]["/shared/{token}/media"]["get"]["responses"]
    for status in ("200", "206"):
        assert media[status]["content"] == {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
        }

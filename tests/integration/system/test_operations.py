from __future__ import annotations

import dataclasses
import re

import httpx
import pytest

from tests.helpers.server import serve
from transcribe.settings import DatabaseSettings, Settings


async def test_health_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


async def test_ready_when_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200


async def test_ready_is_503_when_database_does_not_answer(settings: Settings) -> None:
    from tests.helpers.server import free_port
    from transcribe.app import create_app

    # A port nobody listens on: PostgreSQL "does not answer".
    dead = dataclasses.replace(
        settings, db=DatabaseSettings(url=f"postgresql://postgres@127.0.0.1:{free_port()}/nope")
    )
    with serve(create_app(dead)) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.get("/health")).status_code == 200
            response = await http.get("/ready")
    assert response.status_code == 503
    assert response.json()["status"] == "database unavailable"


async def test_request_id_is_echoed_when_sane(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    response = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json()["status_code"] == 404


async def test_openapi_describes_every_route(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    for path in ("/auth/register", "/auth/login", "/auth/me", "/health", "/ready"):
        assert path in document["paths"], path
    schemas = document["components"]["schemas"]
    assert {"Credentials", "Account", "AccessToken"} <= set(schemas)
    assert "BearerToken" in document["components"]["securitySchemes"]
    viewer = await client.get("/schema/swagger")
    assert viewer.status_code == 200 and "html" in viewer.headers["content-type"]


# The status codes ../shared/API.md promises, per route.
CONTRACT = {
    ("post", "/auth/register"): {"201", "400", "409"},
    ("post", "/auth/login"): {"200", "401", "429"},
    ("get", "/auth/me"): {"200", "401"},
    ("post", "/files/presign"): {"201", "400", "413", "415"},
    ("put", "/files/upload/{object_key}"): {"201", "403", "413"},
    ("post", "/files/complete"): {"200", "404", "409"},
    ("get", "/files"): {"200"},
    ("delete", "/files/{object_key}"): {"204", "404", "409"},
    ("post", "/jobs"): {"201", "400", "404", "409"},
    ("get", "/jobs"): {"200", "400"},
    ("get", "/jobs/{job_id}"): {"200", "404"},
    ("get", "/jobs/{job_id}/download"): {"200", "400", "404", "409"},
    ("delete", "/jobs/{job_id}"): {"204", "404"},
    ("get", "/jobs/{job_id}/media"): {"200", "404", "410"},
    ("post", "/jobs/{job_id}/share"): {"201", "404", "409"},
    ("delete", "/jobs/{job_id}/share"): {"204", "404"},
    ("get", "/shared/{token}"): {"200", "404", "429"},
    ("get", "/health"): {"200"},
    ("get", "/ready"): {"200", "503"},
}


async def test_openapi_documents_the_contracts_status_codes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for (method, path), codes in CONTRACT.items():
        documented = set(paths[path][method]["responses"])
        assert codes <= documented, (method, path, codes - documented)
        for code in documented - {"200", "201", "204"}:
            assert paths[path][method]["responses"][code]["description"], (method, path, code)


# The routes ../shared/API.md says need no token (the docs are Litestar's own, and public too).
PUBLIC = {
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("post", "/auth/password-reset"),
    ("post", "/auth/password-reset/confirm"),
    ("post", "/auth/verify-email"),
    ("get", "/health"),
    ("get", "/ready"),
    ("get", "/engine"),
    ("put", "/files/upload/{object_key}"),
    ("get", "/files/download/{object_key}"),
    ("head", "/files/download/{object_key}"),
    ("post", "/webhooks/assemblyai"),
    ("get", "/shared/{token}"),
    ("get", "/shared/{token}/media"),
}


async def test_openapi_marks_exactly_the_public_routes(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert document["security"] == [{"BearerToken": []}]  # the rule; public routes opt out
    marked = {
        (method, path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if operation.get("security") == []
    }
    assert marked == PUBLIC
    metrics = document["paths"]["/metrics"]["get"]
    assert metrics["security"] == [{"MetricsToken": []}]
    assert set(metrics["responses"]["200"]["content"]) == {"text/plain"}
    for method, path in PUBLIC:  # and they really are public
        if method in ("get", "head") and "{" not in path:
            response = await client.request(method.upper(), path)
            assert response.status_code == 200, (method, path)


async def test_the_error_body_is_documented_with_its_field_errors(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    body = document["components"]["schemas"]["ErrorBody"]
    assert {"status_code", "detail", "extra"} <= set(body["properties"])
    problem = document["components"]["schemas"]["FieldProblem"]["properties"]
    assert {"message", "key", "source"} <= set(problem)
    bad = await client.post("/auth/register", json={"email": "x@example.com", "password": "x"})
    assert bad.status_code == 400 and set(bad.json()["extra"][0]) <= set(problem)


@pytest.mark.parametrize("viewer", ["/schema", "/schema/swagger"])
async def test_the_docs_viewer_needs_no_internet(client: httpx.AsyncClient, viewer: str) -> None:
    """Every script, style and icon the page loads comes from the service itself."""
    page = await client.get(viewer)
    assert page.status_code == 200 and "html" in page.headers["content-type"]
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert len(assets) >= 3
    for asset in assets:
        assert asset.startswith("/"), asset  # no other origin
        fetched = await client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 100, asset
    spec_url = re.search(r"""url:\s*["']([^"']+)["']""", page.text)
    assert spec_url is None or spec_url.group(1).startswith("/")


async def test_metrics_token_guards_metrics(settings: Settings) -> None:
    from transcribe.app import create_app

    guarded = dataclasses.replace(
        settings, auth=dataclasses.replace(settings.auth, metrics_token="m" * 32)
    )
    with serve(create_app(guarded)) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            missing = await http.get("/metrics")
            wrong = await http.get("/metrics", headers={"Authorization": "Bearer " + "x" * 32})
            right = await http.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32})
    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert right.status_code == 200
    assert right.headers["content-type"].startswith("text/plain")
    assert "transcribe_request_duration_seconds" in right.text


async def test_every_operation_and_schema_is_described(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary") and operation.get("description"), (method, path)
            body = operation.get("requestBody")
            if body is None:
                continue
            if "application/json" not in body["content"]:  # bytes (a presigned upload)
                assert body["content"] and body.get("description"), (method, path)
                continue
            schema = body["content"]["application/json"]["schema"]
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
            fields = list(schema.get("properties", {}).values())
            fields += [alt for field in fields for alt in field.get("oneOf", [])]
            examples = [schema.get("examples"), *(field.get("examples") for field in fields)]
            examples.append(body["content"]["application/json"].get("examples"))
            assert any(examples), f"no example for {method} {path}"
    undescribed = [name for name, schema in schemas.items() if not schema.get("description")]
    assert not undescribed

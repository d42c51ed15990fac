from __future__ import annotations

import dataclasses

import httpx

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

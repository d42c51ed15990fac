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

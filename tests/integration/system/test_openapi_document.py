"""The OpenAPI document is valid OpenAPI, as a validator nobody here wrote reads it (client
generators trip on what it refuses)."""

from __future__ import annotations

import httpx
from openapi_spec_validator import OpenAPIV31SpecValidator


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

"""Headers and statuses every response gets right, routed or not."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.helpers.accounts import signed_in_user
from transcribe.settings import Settings


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no/such/route", 404),
        ("DELETE", "/health", 405),
        ("GET", "/health", 200),
        ("GET", "/auth/me", 401),
    ],
)
async def test_every_response_has_a_request_id_and_nosniff(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path, headers={"X-Request-ID": "route-check-1"})
    assert response.status_code == status
    assert response.headers["x-request-id"] == "route-check-1"
    assert response.headers["x-content-type-options"] == "nosniff"
    made_up = [(await client.request(method, path)).headers["x-request-id"] for _ in range(3)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", made) for made in made_up)  # when none came
    assert len(set(made_up)) == 3


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
async def test_json_routes_refuse_other_bodies_with_415(
    client: httpx.AsyncClient, content_type: str
) -> None:
    body = b'{"email": "nobody@example.com", "password": "long enough"}'
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.post("/auth/login", content=body, headers=headers)
    assert response.status_code == 415, response.text
    assert "Content-Type: application/json" in response.json()["detail"]


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
async def test_json_with_or_without_a_charset_is_read(
    client: httpx.AsyncClient, content_type: str
) -> None:
    body = b'{"email": "nobody@example.com", "password": "long enough"}'
    response = await client.post(
        "/auth/login", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 401  # read, and refused for what it says


async def test_an_empty_body_is_a_validation_error_not_a_type_error(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.post("/auth/login")).status_code == 400


async def test_routes_without_a_json_body_take_none(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    resend = await client.post(
        "/auth/verify-email/resend", headers={**user.headers, "Content-Type": "text/plain"}
    )
    assert resend.status_code == 202


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/auth/refresh"])
async def test_deeply_nested_json_is_400(client: httpx.AsyncClient, path: str) -> None:
    body = '{"email": ' + "[" * 5000 + "]" * 5000 + ', "password": "long enough"}'
    response = await client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert "nested too deeply" in response.json()["detail"]


async def test_a_body_that_stops_arriving_gets_408_and_streams_are_left_alone(
    settings: Settings,
) -> None:
    import asyncio
    import dataclasses

    from tests.helpers.server import serve
    from transcribe.app import create_app

    impatient = dataclasses.replace(settings, body_idle_timeout_s=1.0)
    with serve(create_app(impatient)) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n" + b'{"email": "slow'
        )
        await writer.drain()
        started = asyncio.get_running_loop().time()
        answer = await asyncio.wait_for(reader.read(4096), timeout=10)
        waited = asyncio.get_running_loop().time() - started
        writer.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert 0.9 <= waited < 5
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            user = await signed_in_user(client)
            received = b""
            async with client.stream("GET", "/events", headers=user.headers) as stream:
                async for chunk in stream.aiter_bytes():  # keep-alives every second
                    received += chunk
                    if received.count(b": keep-alive") >= 3:  # well past the 1 s limit
                        break
            assert stream.status_code == 200

"""`/webhook-endpoints`: create, list, delete, and the SSRF guard at creation (the
session's API refuses private addresses, as production does)."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.helpers.accounts import signed_in_user


async def test_create_list_delete(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    created = await client.post(
        "/webhook-endpoints",
        json={"url": "https://93.184.215.14/hooks", "events": ["job.completed"]},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["events"] == ["job.completed"]
    assert body["secret"].startswith("whsec_") and len(base64.b64decode(body["secret"][6:])) == 32
    listed = (await client.get("/webhook-endpoints", headers=user.headers)).json()
    assert listed["total"] == 1 and "secret" not in listed["items"][0]
    assert listed["items"][0]["id"] == body["id"]

    other = await signed_in_user(client)
    assert (await client.get("/webhook-endpoints", headers=other.headers)).json()["total"] == 0
    gone = await client.delete(f"/webhook-endpoints/{body['id']}", headers=other.headers)
    assert gone.status_code == 404
    assert (
        await client.delete(f"/webhook-endpoints/{body['id']}", headers=user.headers)
    ).status_code == 204
    assert (await client.get("/webhook-endpoints", headers=user.headers)).json()["total"] == 0


async def test_both_events_by_default(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    created = await client.post(
        "/webhook-endpoints", json={"url": "http://93.184.215.14/"}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["events"] == ["job.completed", "job.failed"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://93.184.215.14/x",
        "http:///nohost",
        "http://user:pw@93.184.215.14/",
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "http://no-such-host.invalid/hook",
    ],
)
async def test_unsafe_urls_are_refused(client: httpx.AsyncClient, url: str) -> None:
    user = await signed_in_user(client)
    response = await client.post("/webhook-endpoints", json={"url": url}, headers=user.headers)
    assert response.status_code == 400, response.text
    assert (await client.get("/webhook-endpoints", headers=user.headers)).json()["total"] == 0


@pytest.mark.parametrize(
    "body", [{"url": "https://93.184.215.14/", "events": ["job.started"]}, {"url": ""}, {}]
)
async def test_bad_bodies_are_400(client: httpx.AsyncClient, body: dict) -> None:
    user = await signed_in_user(client)
    response = await client.post("/webhook-endpoints", json=body, headers=user.headers)
    assert response.status_code == 400


async def test_endpoints_need_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/webhook-endpoints")).status_code == 401

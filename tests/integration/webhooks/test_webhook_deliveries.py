"""Deliveries to a user's own server, end to end: a job finishes in a real worker, the
delivery task signs and sends it, and `standardwebhooks` (the specification's own
library, a verifier nobody here wrote) checks the signature."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from standardwebhooks.webhooks import Webhook

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.jobs import wait_for_status
from tests.helpers.receiver import Receiver, running_receiver
from tests.helpers.uploads import upload_file
from tests.helpers.worker import Worker
from transcribe.domain.webhooks.delivery import deliver
from transcribe.settings import Settings

RETRY_SCHEDULE = "0.5,0.5,0.5"  # four attempts in all, quickly


@pytest.fixture(scope="module")
def api_settings(api_settings: Settings) -> Settings:
    webhooks = dataclasses.replace(api_settings.webhooks, allow_private_urls=True)
    return dataclasses.replace(api_settings, webhooks=webhooks)


@pytest.fixture(scope="module")
def worker_env(worker_env: dict[str, str]) -> dict[str, str]:
    return {
        **worker_env,
        "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "WEBHOOK_RETRY_SCHEDULE_S": RETRY_SCHEDULE,
        "WEBHOOK_TIMEOUT_S": "2",
    }


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


async def endpoint(api: httpx.AsyncClient, user: SignedInUser, url: str, **extra: object) -> dict:
    response = await api.post(
        "/webhook-endpoints", json={"url": url, **extra}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def finished_job(api: httpx.AsyncClient, user: SignedInUser, text: str) -> dict:
    key = await upload_file(api, user, text.encode())
    created = await api.post(
        "/jobs", json={"object_key": key, "language": "en", "mode": "mono"}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    return await wait_for_status(api, user.headers, created.json()["id"], {"completed", "failed"})


async def wait_for_requests(receiver: Receiver, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.received) < count:
        assert time.monotonic() < deadline, f"got {len(receiver.received)} of {count} deliveries"
        await asyncio.sleep(0.1)


def delivery_rows(database_url: str, endpoint_id: str) -> list[tuple]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT attempts, last_status_code, delivered_at IS NOT NULL, abandoned_at IS NOT NULL,"
            " last_error FROM webhook_deliveries WHERE endpoint_id = %s",
            (endpoint_id,),
        ).fetchall()


async def test_a_completed_job_is_delivered_signed(
    api: httpx.AsyncClient, worker: Worker, receiver: Receiver, database_url: str
) -> None:
    user = await signed_in_user(api)
    hook = await endpoint(api, user, receiver.url)
    job = await finished_job(api, user, "deliver me")
    await wait_for_requests(receiver, 1)
    (request,) = receiver.received
    # The specification's verifier accepts it (and raises on any mismatch).
    payload = Webhook(hook["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "job.completed"
    assert payload["data"]["id"] == job["id"] and payload["data"]["status"] == "completed"
    assert request.headers["webhook-id"].startswith("msg_")
    with pytest.raises(Exception, match="signature"):
        Webhook(hook["secret"]).verify(
            request.body.replace(b"job.completed", b"job.failed_"), request.headers
        )
    await asyncio.sleep(0.5)
    assert delivery_rows(database_url, hook["id"]) == [(1, 200, True, False, None)]


async def test_retries_keep_the_same_webhook_id(
    api: httpx.AsyncClient, worker: Worker, receiver: Receiver, database_url: str
) -> None:
    receiver.refuse_next = 2
    user = await signed_in_user(api)
    hook = await endpoint(api, user, receiver.url)
    await finished_job(api, user, "try again")
    await wait_for_requests(receiver, 3)
    ids = {r.headers["webhook-id"] for r in receiver.received}
    bodies = {r.body for r in receiver.received}
    assert len(ids) == 1 and len(bodies) == 1  # the same event, byte for byte
    for request in receiver.received:
        Webhook(hook["secret"]).verify(request.body, request.headers)
    await asyncio.sleep(0.5)
    ((attempts, status, delivered, abandoned, error),) = delivery_rows(database_url, hook["id"])
    assert (attempts, status, delivered, abandoned, error) == (3, 200, True, False, None)


async def test_a_receiver_that_never_answers_2xx_is_given_up_on(
    api: httpx.AsyncClient, worker: Worker, receiver: Receiver, database_url: str
) -> None:
    receiver.refuse_next = 1000
    user = await signed_in_user(api)
    hook = await endpoint(api, user, receiver.url)
    await finished_job(api, user, "nobody home")
    await wait_for_requests(receiver, 4)  # the first attempt and three retries
    await asyncio.sleep(1.5)
    assert len(receiver.received) == 4
    ((attempts, status, delivered, abandoned, error),) = delivery_rows(database_url, hook["id"])
    assert (attempts, status, delivered, abandoned) == (4, 503, False, True)
    assert error.startswith("busy") and len(error) <= 200  # an excerpt, not the body


async def test_redirects_are_not_followed(
    api: httpx.AsyncClient, worker: Worker, receiver: Receiver, database_url: str
) -> None:
    with running_receiver() as elsewhere:
        receiver.redirect_to = elsewhere.url
        user = await signed_in_user(api)
        hook = await endpoint(api, user, receiver.url)
        await finished_job(api, user, "go away")
        await wait_for_requests(receiver, 1)
        await asyncio.sleep(1)
        assert elsewhere.received == []
    assert delivery_rows(database_url, hook["id"])[0][1] == 307


async def test_only_subscribed_events_and_only_the_owners(
    api: httpx.AsyncClient, worker: Worker, receiver: Receiver
) -> None:
    owner, other = await signed_in_user(api), await signed_in_user(api)
    await endpoint(api, owner, receiver.url, events=["job.failed"])
    with running_receiver() as others_receiver:
        await endpoint(api, other, others_receiver.url)
        await finished_job(api, owner, "completed, not failed")
        await asyncio.sleep(1.5)
        assert others_receiver.received == []
    assert receiver.received == []


async def test_delivery_refuses_a_private_address_when_not_allowed(receiver: Receiver) -> None:
    """The guard runs again at delivery time: DNS may have changed since creation."""
    attempt = await deliver(
        url=receiver.url,
        secret="whsec_" + "A" * 44,
        message_id="msg_x",
        body=json.dumps({"type": "job.completed"}).encode(),
        allow_private=False,
        timeout_s=2,
    )
    assert attempt.status_code is None and "private" in (attempt.excerpt or "")
    assert receiver.received == []


async def test_a_delivery_whose_queue_job_was_lost_is_sent_by_the_sweep(
    api: httpx.AsyncClient, worker: Worker, receiver: Receiver, database_url: str
) -> None:
    """The worker died between the job's final status and deferring the delivery: the row
    (written with the status) is all there is, and the recovery sweep sends it."""
    user = await signed_in_user(api)
    hook = await endpoint(api, user, receiver.url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO webhook_deliveries (id, endpoint_id, message_id, event_type, body,"
            " next_attempt_at, created_at, updated_at) VALUES (gen_random_uuid(), %s,"
            " 'msg_orphan', 'job.completed', '{\"type\": \"job.completed\"}',"
            " now() - interval '1 hour', now(), now())",
            (hook["id"],),
        )
    await wait_for_requests(receiver, 1)
    assert receiver.received[0].headers["webhook-id"] == "msg_orphan"
    Webhook(hook["secret"]).verify(receiver.received[0].body, receiver.received[0].headers)


async def test_a_delivery_tries_each_address_of_the_host(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host whose first address refuses connections (a dead server, IPv6 not routed) is
    still reached at its next one, within the same attempt; an attempt fails only when no
    address took the request, and says which addresses it tried."""
    from transcribe.domain.webhooks import addresses

    port = int(receiver.url.split(":")[2].split("/")[0])
    nobody = "127.0.0.77"  # loopback, but nothing listens on it: connecting is refused
    answers = {"hooks.example.test": [nobody, "127.0.0.1"], "down.example.test": [nobody]}

    async def lookup(host: str, _port: int) -> list[str]:  # DNS, the edge of the world
        return answers[host]

    monkeypatch.setattr(addresses, "lookup", lookup)
    body = json.dumps({"type": "job.completed"}).encode()
    common = {"secret": "whsec_" + "A" * 44, "body": body, "allow_private": True, "timeout_s": 2}

    reached = await deliver(
        url=f"http://hooks.example.test:{port}/hook", message_id="msg_a", **common
    )
    assert reached.delivered and reached.excerpt == "thanks"
    (request,) = receiver.received
    assert request.headers["host"] == f"hooks.example.test:{port}"
    assert request.headers["webhook-id"] == "msg_a"

    missed = await deliver(
        url=f"http://down.example.test:{port}/hook", message_id="msg_b", **common
    )
    assert not missed.delivered and missed.status_code is None
    assert nobody in (missed.excerpt or "") and "ConnectError" in (missed.excerpt or "")
    assert len(receiver.received) == 1

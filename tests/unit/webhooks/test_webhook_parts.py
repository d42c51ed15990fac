"""The pure parts of webhooks: signatures (checked by the specification's own library),
the address guard, the retry schedule."""

from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from transcribe.domain.webhooks.addresses import UnsafeUrlError, is_public, parse
from transcribe.domain.webhooks.signing import new_secret, signature_headers
from transcribe.domain.webhooks.tasks import DeliverySchedule


def test_signatures_verify_with_the_reference_library() -> None:
    secret = new_secret()
    body = b'{"type":"job.completed","data":{"id":"x"}}'
    headers = signature_headers(secret, "msg_1", int(time.time()), body)
    assert Webhook(secret).verify(body, headers)["type"] == "job.completed"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-id": "msg_2"})


def test_secrets_are_fresh_and_of_the_spec_format() -> None:
    first, second = new_secret(), new_secret()
    assert first != second and first.startswith("whsec_") and len(first) == 6 + 44


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - the address under test
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.215.14", True),
    ],
)
def test_only_global_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(address) is public


@pytest.mark.parametrize(
    "url",
    [
        "ftp://a.example/",
        "https://",
        "http://u:p@a.example/",
        "http://a.example:99999/",
        "x" * 3000,
    ],
)
def test_urls_that_are_not_web_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        parse(url)


def test_parse_fills_default_ports() -> None:
    assert parse("https://a.example/x") == ("https", "a.example", 443)
    assert parse("http://a.example:8080/") == ("http", "a.example", 8080)


def test_the_default_schedule_retries_for_more_than_a_day() -> None:
    from transcribe.settings import DEFAULT_WEBHOOK_RETRY_SCHEDULE_S

    schedule = DeliverySchedule(DEFAULT_WEBHOOK_RETRY_SCHEDULE_S)
    waits = []
    attempt = 1
    while (delay := schedule.delay_after(attempt)) is not None:
        waits.append(delay)
        attempt += 1
    assert sum(waits) > 24 * 3600
    assert waits == sorted(waits)  # never sooner than the previous wait
    assert schedule.delay_after(len(waits) + 1) is None

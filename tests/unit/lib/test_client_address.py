"""Which address is the client's behind proxies: only what a trusted proxy appended counts."""

from __future__ import annotations

from litestar.connection import ASGIConnection

from transcribe.lib.http import client_address


def _connection(*forwarded: str, peer: str = "10.0.0.5") -> ASGIConnection:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return ASGIConnection({"type": "http", "headers": headers, "client": (peer, 4321)})  # type: ignore[arg-type]


def test_no_proxy_means_the_peer_whatever_the_client_writes() -> None:
    assert client_address(_connection("198.51.100.1")) == "10.0.0.5"


def test_one_proxy_means_the_entry_it_appended() -> None:
    # The client wrote the first entry itself; the proxy appended the address it saw.
    assert client_address(_connection("1.2.3.4, 203.0.113.9"), trusted_hops=1) == "203.0.113.9"
    assert client_address(_connection("1.2.3.4", "203.0.113.9"), trusted_hops=1) == "203.0.113.9"


def test_two_proxies_count_from_the_right() -> None:
    forwarded = _connection("1.2.3.4, 203.0.113.9, 10.1.1.1")
    assert client_address(forwarded, trusted_hops=2) == "203.0.113.9"


def test_fewer_entries_than_proxies_falls_back_to_the_peer() -> None:
    assert client_address(_connection(), trusted_hops=1) == "10.0.0.5"

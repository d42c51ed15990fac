"""The SSRF guard: webhook URLs may only lead to public internet addresses.

The host is resolved when an endpoint is created and again at every delivery (DNS can
change); every address it resolves to must be public, and the delivery then connects to
the addresses that were checked, so a second lookup cannot swap in a private one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


class UnsafeUrlError(ValueError):
    """A URL that may not receive webhooks; `str(exc)` says why, for the user."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]  # the checked IP addresses, in the resolver's order

    @property
    def address(self) -> str:
        return self.addresses[0]


def parse(url: str) -> tuple[str, str, int]:
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrlError(f"The URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrlError(f"Not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrlError("The URL must start with http:// or https://")
    if not parts.hostname:
        raise UnsafeUrlError("The URL has no host")
    if parts.username or parts.password:
        raise UnsafeUrlError("The URL must not carry a user name or password")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def lookup(host: str, port: int) -> list[str]:
    """The host's addresses, in the resolver's order, each once (tests answer for DNS here)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def resolve(url: str, *, allow_private: bool) -> Target:
    """The addresses to deliver `url` to; UnsafeUrlError when it is not allowed."""
    scheme, host, port = parse(url)
    try:
        addresses = await lookup(host, port)
    except socket.gaierror:
        raise UnsafeUrlError(f"The host {host!r} does not resolve") from None
    if not addresses:
        raise UnsafeUrlError(f"The host {host!r} does not resolve")
    if not allow_private:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise UnsafeUrlError(
                f"The URL points at a private, loopback or link-local address ({refused[0]})"
            )
    return Target(scheme=scheme, host=host, port=port, addresses=tuple(addresses))

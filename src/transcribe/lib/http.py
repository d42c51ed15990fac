"""Small HTTP helpers that know nothing of the domain."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar.connection import ASGIConnection


def content_disposition(name: str, *, inline: bool = False) -> str:
    """`attachment` (or `inline`: shown or played in place) with an ASCII fallback name and
    the exact UTF-8 name (RFC 6266)."""
    fallback = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (the scheme's name in any
    case, RFC 7235); None for any other scheme or no token."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def client_address(connection: ASGIConnection[Any, Any, Any, Any], trusted_hops: int = 0) -> str:
    """The client's address. With `trusted_hops` proxies in front, the entry of
    `X-Forwarded-For` that the outermost of them appended: each proxy appends the address it
    saw, so the entries left of that are whatever the client chose to send (and trusting the
    left-most one, as `FORWARDED_ALLOW_IPS=*` does, lets a client pick any address)."""
    if trusted_hops > 0:
        hops = [
            hop.strip()
            for header in connection.headers.getall("x-forwarded-for", [])
            for hop in header.split(",")
            if hop.strip()
        ]
        if len(hops) >= trusted_hops:
            return hops[-trusted_hops][:64]
    return connection.client.host if connection.client else "unknown"

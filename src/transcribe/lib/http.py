"""Small HTTP helpers that know nothing of the domain."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar.connection import ASGIConnection


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266)."""
    fallback = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (the scheme's name in any
    case, RFC 7235); None for any other scheme or no token."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address as uvicorn saw it (behind a trusted proxy: the forwarded one)."""
    return connection.client.host if connection.client else "unknown"

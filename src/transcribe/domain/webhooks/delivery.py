"""One delivery attempt: a signed POST to the checked address, no redirects, short timeouts."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from transcribe.domain.webhooks.addresses import Target, UnsafeUrlError, resolve
from transcribe.domain.webhooks.signing import signature_headers

EXCERPT_CHARS = 200  # of the receiver's answer: enough to debug, never the whole body
_READ_LIMIT = 4096


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    excerpt: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _pinned_url(url: str, target: Target) -> str:
    parts = urlsplit(url)
    host = f"[{target.address}]" if ":" in target.address else target.address
    return urlunsplit((parts.scheme, f"{host}:{target.port}", parts.path or "/", parts.query, ""))


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text[:EXCERPT_CHARS]


async def deliver(
    *,
    url: str,
    secret: str,
    message_id: str,
    body: bytes,
    allow_private: bool,
    timeout_s: float,
) -> Attempt:
    try:
        target = await resolve(url, allow_private=allow_private)
    except UnsafeUrlError as exc:
        return Attempt(None, _excerpt(str(exc)))
    headers = {
        "content-type": "application/json",
        "user-agent": "Transcribe-Webhooks/1",
        "host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
        **signature_headers(secret, message_id, int(time.time()), body),
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        async with (
            httpx.AsyncClient(timeout=timeout_s, follow_redirects=False, trust_env=False) as http,
            http.stream(
                "POST",
                _pinned_url(url, target),
                content=body,
                headers=headers,
                extensions=extensions,
            ) as response,
        ):
            received = b""
            async for chunk in response.aiter_bytes():
                received += chunk
                if len(received) >= _READ_LIMIT:
                    break
            text = received.decode("utf-8", "replace")
            return Attempt(response.status_code, _excerpt(text) or None)
    except httpx.HTTPError as exc:
        return Attempt(None, _excerpt(f"{type(exc).__name__}: {exc}"))

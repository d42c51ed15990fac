"""One delivery attempt: a signed POST to the checked addresses, no redirects, short timeouts.

A host with several addresses (IPv6 and IPv4, or a few servers behind one name) is tried
address by address while connecting fails: one unreachable address is not the receiver
being down. Once a request was sent, its outcome is the attempt's: never sent twice.
"""

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


def _pinned_url(url: str, target: Target, address: str) -> str:
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
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
    async with httpx.AsyncClient(
        timeout=timeout_s, follow_redirects=False, trust_env=False
    ) as http:
        failures: list[str] = []
        for address in target.addresses:
            try:
                return await _post(
                    http, _pinned_url(url, target, address), body, headers, extensions
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                failures.append(f"{address}: {type(exc).__name__}: {exc}")
            except httpx.HTTPError as exc:  # sent, or partly: the attempt ends here
                return Attempt(None, _excerpt(f"{type(exc).__name__}: {exc}"))
        return Attempt(None, _excerpt("; ".join(failures)))


async def _post(
    http: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    extensions: dict[str, str],
) -> Attempt:
    async with http.stream(
        "POST", url, content=body, headers=headers, extensions=extensions
    ) as response:
        received = b""
        async for chunk in response.aiter_bytes():
            received += chunk
            if len(received) >= _READ_LIMIT:
                break
        text = received.decode("utf-8", "replace")
        return Attempt(response.status_code, _excerpt(text) or None)

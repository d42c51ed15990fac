"""Request context: an id per request (from `X-Request-ID` when sane, else new), bound to
the log context and echoed on the response, and one log line per request.

The line carries the path without its query string: signed URLs keep their signature there.
Headers go on in a `before_send` hook, which sees every response, those of unknown routes
(which no middleware sees) included.
"""

from __future__ import annotations

import re
import time
import uuid
from contextvars import ContextVar

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_SAFE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

current_request_id: ContextVar[str] = ContextVar("request_id", default="-")
log = structlog.get_logger("transcribe.requests")


def _request_id_for(scope: Scope) -> str:
    incoming = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1")
    return incoming if _SAFE.match(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id_for(scope)
        token = current_request_id.set(request_id)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
            structlog.contextvars.clear_contextvars()
            current_request_id.reset(token)


async def stamp_response(message: Message, scope: Scope) -> None:
    """Every response carries its request id, and no browser may sniff another type into it."""
    if message["type"] != "http.response.start":
        return
    request_id = scope.get("state", {}).get("request_id")
    if request_id is None:  # the router answered (unknown route or method): no middleware ran
        request_id = _request_id_for(scope)
        log.info(
            "request",
            method=scope.get("method"),
            path=scope.get("path"),
            status=message["status"],
            request_id=request_id,
        )
    headers = list(message.get("headers", []))
    headers += [(HEADER.encode(), request_id.encode()), (b"x-content-type-options", b"nosniff")]
    message["headers"] = headers

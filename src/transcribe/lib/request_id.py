"""Request context: an id per request (from `X-Request-ID` when sane, else new), bound to
the log context and echoed on the response; the request's metrics; one log line per request.

The line carries the path without its query string: signed URLs keep their signature there.
Headers go on in a `before_send` hook, which sees every response, those of unknown routes
(which no middleware sees) included.
"""

from __future__ import annotations

import os
import re
import time
from contextvars import ContextVar

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from transcribe.lib.logging import request_line
from transcribe.lib.metrics import EXCLUDED_PATHS, RequestMetrics

HEADER = "x-request-id"
_HEADER_BYTES = HEADER.encode()
_SAFE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

current_request_id: ContextVar[str] = ContextVar("request_id", default="-")
LOGGER_NAME = "transcribe.requests"


def _request_id_for(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == _HEADER_BYTES:
            incoming = value.decode("latin-1")
            if _SAFE.match(incoming):
                return incoming
            break
    return os.urandom(16).hex()  # uuid4's 32 hex digits, without building a UUID (1.7 us)


class RequestContextMiddleware:
    """Each request's id, its metrics and its log line, in one layer: every layer Litestar
    stacks costs a coroutine and a wrapped `send` per request.

    bench/api.py prices the three pieces by switching each off in a subclass
    (bench/api_variants.py): `bind_request_id`, `metrics` and `log_line`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.metrics: RequestMetrics | None = RequestMetrics()

    def bind_request_id(self, scope: Scope) -> str:
        request_id = _request_id_for(scope)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        return request_id

    def log_line(self, scope: Scope, status: int, duration_s: float) -> None:
        request_line(
            {
                "logger": LOGGER_NAME,
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round(duration_s * 1000, 1),
                "event": "request",
            }
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        structlog.contextvars.clear_contextvars()
        token = current_request_id.set(self.bind_request_id(scope))
        metrics = self.metrics if scope["path"] not in EXCLUDED_PATHS else None
        route = scope.get("path_template", scope["path"])  # a route's, not each job id's
        in_progress = metrics.started(scope["method"], route) if metrics else None
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            duration_s = time.perf_counter() - started
            if metrics is not None and in_progress is not None:
                in_progress.dec()
                metrics.finished(scope["method"], route, status, duration_s)
            self.log_line(scope, status, duration_s)
            structlog.contextvars.clear_contextvars()
            current_request_id.reset(token)


async def stamp_response(message: Message, scope: Scope) -> None:
    """Every response carries its request id, and no browser may sniff another type into it."""
    if message["type"] != "http.response.start":
        return
    request_id = scope.get("state", {}).get("request_id")
    if request_id is None:  # the router answered (unknown route or method): no middleware ran
        request_id = _request_id_for(scope)
        request_line(
            {
                "logger": LOGGER_NAME,
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": message["status"],
                "request_id": request_id,
                "event": "request",
            }
        )
    headers = list(message.get("headers", []))
    headers += [(HEADER.encode(), request_id.encode()), (b"x-content-type-options", b"nosniff")]
    message["headers"] = headers

"""The project's app with one cross-cutting piece switched off, for bench/api.py to price
each piece: the request log line, the request metrics, the request id (each a part of
lib/request_id.RequestContextMiddleware, switched off in a subclass). Served like the real
app: `uvicorn --factory bench.api_variants:without_metrics`.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar

import transcribe.app as app_module
from transcribe.lib.request_id import RequestContextMiddleware


def _with(middleware: type[RequestContextMiddleware]) -> Litestar:
    app_module.RequestContextMiddleware = middleware  # type: ignore[misc]
    return app_module.served_app()


class _NoLogLine(RequestContextMiddleware):
    def log_line(self, *_: Any) -> None:
        pass


class _NoMetrics(RequestContextMiddleware):
    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.metrics = None


class _NoRequestId(RequestContextMiddleware):
    def bind_request_id(self, scope: Any) -> str:
        scope.setdefault("state", {})["request_id"] = "-"  # the response header stays
        return "-"


def without_request_log() -> Litestar:
    return _with(_NoLogLine)


def without_metrics() -> Litestar:
    return _with(_NoMetrics)


def without_request_id() -> Litestar:
    return _with(_NoRequestId)

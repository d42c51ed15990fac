"""The project's app with one cross-cutting piece switched off, for bench/api.py to price
each piece: the request log line, the Prometheus middleware, the request-id middleware
(which also writes the log line). Served like the real app:
`uvicorn --factory bench.api_variants:without_metrics`.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.middleware import DefineMiddleware

import transcribe.app as app_module
import transcribe.lib.request_id as request_id_module


class _PassThrough:
    def __init__(self, app: Any, **_: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


class _Silent:
    def info(self, *_: Any, **__: Any) -> None:
        pass


def without_request_log() -> Litestar:
    request_id_module.log = _Silent()  # type: ignore[assignment]
    return app_module.create_app()


def without_metrics() -> Litestar:
    class NoMetrics:
        middleware = DefineMiddleware(_PassThrough)

    app_module.prometheus_config = lambda: NoMetrics()  # type: ignore[assignment,return-value]
    return app_module.create_app()


def without_request_id() -> Litestar:
    app_module.RequestIdMiddleware = _PassThrough  # type: ignore[assignment,misc]
    return app_module.create_app()

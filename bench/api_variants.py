"""The project's app with its cross-cutting pieces switchable at run time, for bench/api.py
to price each piece in one process: the request log line, the request metrics, the request
id (each a part of lib/request_id.RequestContextMiddleware, switched off in a subclass).

Two processes of the very same app differ by up to 15 % in CPU time per request, for as
long as they run (memory layout, hash seeds): more than a piece costs. So one process serves
every variant, and the bench switches between them: it writes the names of the pieces to
switch off, one per line, into the file `BENCH_PIECES_OFF` names, and sends SIGUSR1.
Served like the real app: `uvicorn --factory bench.api_variants:switchable`.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from litestar import Litestar

import transcribe.app as app_module
from transcribe.lib.metrics import RequestMetrics
from transcribe.lib.request_id import RequestContextMiddleware

PIECES = ("request log line", "request metrics", "request id")
_off: frozenset[str] = frozenset()


def _read_switches(*_: Any) -> None:
    global _off
    names = Path(os.environ["BENCH_PIECES_OFF"]).read_text().split("\n")
    _off = frozenset(name for name in names if name)
    if unknown := _off - set(PIECES):
        raise ValueError(f"no such piece: {sorted(unknown)}")


class _Switchable(RequestContextMiddleware):
    @property  # type: ignore[override]
    def metrics(self) -> RequestMetrics | None:
        return None if "request metrics" in _off else self._metrics

    @metrics.setter
    def metrics(self, value: RequestMetrics | None) -> None:
        self._metrics = value

    def bind_request_id(self, scope: Any) -> str:
        if "request id" in _off:
            scope.setdefault("state", {})["request_id"] = "-"  # the response header stays
            return "-"
        return super().bind_request_id(scope)

    def log_line(self, *args: Any) -> None:
        if "request log line" not in _off:
            super().log_line(*args)


def switchable() -> Litestar:
    signal.signal(signal.SIGUSR1, _read_switches)
    app_module.RequestContextMiddleware = _Switchable  # type: ignore[misc]
    return app_module.served_app()

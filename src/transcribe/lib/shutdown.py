"""The API process is stopping: things that would hold it up are told first.

uvicorn, on SIGTERM, stops accepting connections, then waits for the open ones to finish
before the app's shutdown runs. An event stream never finishes by itself, so one open
stream would hold the process until it is killed. `DrainingServer` says "stopping" before
that wait; event streams end (clients reconnect elsewhere with `Last-Event-ID`) while
ordinary requests finish as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from types import FrameType

import uvicorn

_on_stop: list[Callable[[], None]] = []


def on_stop(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` (in the event loop) when the process begins to stop; returns the
    function that takes it back."""
    _on_stop.append(callback)
    return lambda: _on_stop.remove(callback) if callback in _on_stop else None


def stopping() -> None:
    for callback in list(_on_stop):
        callback()


class DrainingServer(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            stopping()
        super().handle_exit(sig, frame)

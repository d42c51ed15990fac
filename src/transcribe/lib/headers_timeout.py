"""uvicorn's HTTP protocol with a deadline for a request's headers.

uvicorn times only the pause between requests (keep-alive), and any byte resets it: a client
that opens a connection and trickles its headers one byte at a time holds the connection
(and its memory) as long as it likes; a few hundred such clients fill a process. Here each
request's headers must be complete within a deadline counted from the connection's start or
the request's first byte, however the bytes arrive; past it the client gets 408 and the
connection is closed. Bodies have their own idle timeout (`body_timeout`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 37\r\n\r\nThe request headers came too slowly.\n"
)


def headers_timeout_protocol(timeout_s: float) -> type[HttpToolsProtocol]:
    """A protocol class for `uvicorn.run(http=...)`; 0 keeps uvicorn's own."""

    class HeadersTimeoutProtocol(HttpToolsProtocol):
        _headers_deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._headers_deadline is None:  # a further request on a kept-alive connection
                self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._headers_deadline = self.loop.call_later(timeout_s, self._too_slow)

        def _disarm(self) -> None:
            if self._headers_deadline is not None:
                self._headers_deadline.cancel()
                self._headers_deadline = None

        def _too_slow(self) -> None:
            self._headers_deadline = None
            if not self.transport.is_closing():
                self.transport.write(_TIMED_OUT)
                self.transport.close()

    return HeadersTimeoutProtocol

"""A loopback TCP proxy in front of PostgreSQL that cuts a connection on cue, or falls silent.

A connection that dies between the pool handing it out and its first statement happens in
a database restart only by a race; here it happens on demand. The proxy reads the client's
side of the PostgreSQL protocol message by message (the untyped startup messages, then a
type byte and a length) and, when a message contains an armed substring (the SQL of one
statement, say), drops that message and aborts both sides: the client sees its connection
lost in the middle of the statement, after everything before it (the pool's checks
included) went through. The server's side is forwarded as it comes.

The proxy runs its own event loop in a thread, so it serves the app's threads and the
test's loop alike.
"""

from __future__ import annotations

import asyncio
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit, urlunsplit

# Startup-phase requests after which the client sends another untyped message.
_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104


class PgProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._lock = threading.Lock()
        self._cue: bytes | None = None
        self._cuts_left = 0
        self.cuts = 0  # connections cut so far
        self.port = 0
        self._silent = False
        self._open: set[_Link] = set()

    def silence(self, silent: bool = True) -> None:
        """From now on, take new connections and never answer them (a host that went away
        without a word: a failover dropping packets); `silence(False)` forwards new ones
        again, and those taken meanwhile stay silent."""
        with self._lock:
            self._silent = silent

    def freeze(self) -> None:
        """The connections open now stop answering too, for good (and new ones are silent
        until `silence(False)`): a server gone quiet under its clients' feet."""
        with self._lock:
            self._silent = True
            for link in self._open:
                link.frozen = True

    def cut_when(self, substring: str, times: int = 1) -> None:
        """Cut the next `times` connections whose client sends a message containing
        `substring` (each at that message)."""
        with self._lock:
            self._cue, self._cuts_left = substring.encode(), times

    def disarm(self) -> None:
        with self._lock:
            self._cue, self._cuts_left = None, 0

    def _should_cut(self, message: bytes) -> bool:
        with self._lock:
            if self._cue is None or self._cuts_left == 0 or self._cue not in message:
                return False
            self._cuts_left -= 1
            self.cuts += 1
            return True

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        with self._lock:
            silent = self._silent
        if silent:
            with suppress(ConnectionError):
                while await client_r.read(65536):
                    pass  # read and drop, until the client gives up (or the proxy stops)
            client_w.transport.abort()
            return
        try:
            server_r, server_w = await asyncio.open_connection(*self._upstream)
        except OSError:
            client_w.transport.abort()
            return
        link = _Link()
        with self._lock:
            self._open.add(link)
        downstream = asyncio.create_task(_pipe(server_r, client_w, link))
        try:
            await self._client_messages(client_r, server_w, client_w, link)
        finally:
            with self._lock:
                self._open.discard(link)
            downstream.cancel()
            with suppress(asyncio.CancelledError):
                await downstream
            for writer in (client_w, server_w):
                writer.transport.abort()

    async def _client_messages(
        self,
        reader: asyncio.StreamReader,
        server_w: asyncio.StreamWriter,
        client_w: asyncio.StreamWriter,
        link: _Link,
    ) -> None:
        startup = True
        try:
            while True:
                if startup:  # Int32 length (itself included), then the body
                    head = await reader.readexactly(4)
                    (length,) = struct.unpack("!i", head)
                    body = await reader.readexactly(length - 4)
                    code = struct.unpack("!i", body[:4])[0] if len(body) >= 4 else 0
                    startup = code in (_SSL_REQUEST, _GSSENC_REQUEST)
                else:  # Byte1 type, Int32 length (itself included), then the body
                    head = await reader.readexactly(5)
                    (length,) = struct.unpack("!i", head[1:])
                    body = await reader.readexactly(length - 4)
                message = head + body
                if self._should_cut(message):
                    return  # the caller aborts both sides; the message never reaches the server
                if link.frozen:
                    continue
                server_w.write(message)
                await server_w.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return


class _Link:
    """One proxied connection; a frozen one forwards nothing more either way."""

    __slots__ = ("frozen",)

    def __init__(self) -> None:
        self.frozen = False


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link) -> None:
    with suppress(ConnectionError):
        while data := await reader.read(65536):
            if link.frozen:
                continue
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


@contextmanager
def pg_proxy(database_url: str) -> Iterator[tuple[PgProxy, str]]:
    """A proxy in front of `database_url`'s server, and the same URL through the proxy.
    The URL asks for no TLS, so that the proxy can read the messages."""
    parts = urlsplit(database_url)
    proxy = PgProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    server: asyncio.Server | None = None

    async def start() -> None:
        nonlocal server
        server = await asyncio.start_server(proxy._serve, "127.0.0.1", 0)
        proxy.port = server.sockets[0].getsockname()[1]
        started.set()

    thread = threading.Thread(target=loop.run_forever, name="pg-proxy", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{proxy.port}" if userinfo else f"127.0.0.1:{proxy.port}"
    query = "&".join(filter(None, [parts.query, "sslmode=disable"]))
    try:
        yield proxy, urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    finally:

        async def stop() -> None:
            assert server is not None
            server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

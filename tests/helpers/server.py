"""Run an ASGI app under a real uvicorn server on loopback, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app: object, port: int | None = None) -> Iterator[str]:
    """Serve `app` until the block ends; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def serve_settings(settings: object) -> Iterator[str]:
    """Serve the app built from `settings`, advertising its own address as PUBLIC_BASE_URL
    (signed local storage URLs point there)."""
    import dataclasses

    from transcribe.app import create_app

    port = free_port()
    own = dataclasses.replace(settings, public_base_url=f"http://127.0.0.1:{port}")  # type: ignore[type-var]
    with serve(create_app(own), port=port) as url:
        yield url

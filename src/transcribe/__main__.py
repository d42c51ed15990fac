"""`python -m transcribe serve|worker|run|drain|drain-server|migrate|admin|healthcheck|openapi`:
entry points that read configuration from settings. `serve` is the API alone, `worker` a worker;
`run` is both together; `drain` runs the due tasks once, `drain-server` on every POST;
`openapi` prints the API's OpenAPI document (what the web app's client is generated from)."""

from __future__ import annotations

import asyncio
import sys

import uvicorn

from transcribe import drain, healthcheck, supervise, worker_main
from transcribe.db import migrate
from transcribe.domain.admin import commands as admin
from transcribe.lib.headers_timeout import headers_timeout_protocol
from transcribe.lib.shutdown import DrainingServer
from transcribe.settings import get_settings


def serve() -> int:
    settings = get_settings()
    timed = {"http": headers_timeout_protocol(settings.headers_timeout_s)}
    config = uvicorn.Config(
        "transcribe.app:served_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
        **(timed if settings.headers_timeout_s > 0 else {}),
    )
    DrainingServer(config).run()  # uvicorn.run, but event streams end on SIGTERM
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "serve"
    if command == "serve":
        return serve()
    if command == "run":
        return supervise.run()
    if command == "migrate":
        return migrate.main(argv[1:])
    if command == "admin":
        return admin.main(argv[1:])
    if command == "worker":
        return asyncio.run(worker_main.run())
    if command == "drain":
        return asyncio.run(drain.drain())
    if command == "drain-server":
        return drain.serve()
    if command == "healthcheck":
        return healthcheck.main(argv[1:])
    if command == "openapi":
        from transcribe.web import api_document  # builds the app: only for this command

        return api_document.main(argv[1:])
    print(
        "usage: python -m transcribe [serve | worker | run | drain | drain-server | "
        "migrate [--create-database] | "
        f"admin promote|demote EMAIL | healthcheck [api|worker] | openapi [FILE]] (got {command!r})"
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

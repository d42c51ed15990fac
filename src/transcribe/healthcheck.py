"""`python -m transcribe healthcheck [api|worker]`: the container health check of each role.

- api: GET /health on the API's own port answers 200.
- worker: the worker's metrics server (WORKER_METRICS_PORT) answers. It runs inside the
  worker process, so it answers exactly while that process lives.

It reads only its two variables (defaults as the settings declare them), not the full
settings: a health check runs beside the service without its secrets (the Yandex worker
loads them inside its own shell).
"""

from __future__ import annotations

import os
import sys
import urllib.request

from transcribe.settings import env_names

TIMEOUT_S = 2.0


def _port(name: str) -> str:
    return os.environ.get(name) or str(env_names()[name])


def _url(role: str) -> str:
    if role == "api":
        return f"http://127.0.0.1:{_port('PORT')}/health"
    if role == "worker":
        port = _port("WORKER_METRICS_PORT")
        if port == "0":
            raise SystemExit("healthcheck: the worker needs WORKER_METRICS_PORT set to check it")
        return f"http://127.0.0.1:{port}/metrics"
    raise SystemExit(f"healthcheck: unknown role {role!r} (api or worker)")


def main(argv: list[str]) -> int:
    url = _url(argv[0] if argv else "api")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:  # noqa: S310 - loopback
            healthy = response.status == 200
    except OSError as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1
    return 0 if healthy else 1

"""The API's OpenAPI document as `python -m transcribe openapi` writes it, for the client
generators, and the offline environment they run in. (The stub-engine `worker` is
tests/conftest.py's.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from transcribe.settings import Settings

# Any request beyond loopback goes to a closed port on it: the generators must need none.
_DEAD_PROXY = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
_DEAD_PROXY |= {"ALL_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}
OFFLINE = {**_DEAD_PROXY, **{name.lower(): value for name, value in _DEAD_PROXY.items()}}


def offline_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return {**env, **OFFLINE, **extra}


@pytest.fixture(scope="session")
def openapi_file(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The document the session's server serves (same settings), written by the CLI."""
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    result = subprocess.run(
        [sys.executable, "-m", "transcribe", "openapi", str(path)],
        env=offline_env(LOG_LEVEL="ERROR"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return path

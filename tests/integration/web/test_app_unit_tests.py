"""The web app's own unit tests (vitest: the session's token rotation, the SSE parser, the
transcript model, edits, shortcuts, formatting...) and its type check run with `just test`,
so CI runs them too."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[3] / "src" / "web"
BIN = WEB / "node_modules" / ".bin"

pytestmark = pytest.mark.skipif(
    not (BIN / "vitest").exists() or shutil.which("node") is None,
    reason="the web app's packages are not installed (`just setup` with Node 20.19+)",
)


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=WEB, capture_output=True, text=True, timeout=600, check=False
    )


def test_vitest_passes() -> None:
    done = run(str(BIN / "vitest"), "run", "--reporter=dot")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert " passed" in done.stdout


def test_the_types_check() -> None:
    done = run(str(BIN / "tsc"), "-b", "--noEmit")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]

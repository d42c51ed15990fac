"""`python -m transcribe run` (what `just serve` runs): the API and a worker as one service.

They start together and stop together. SIGTERM, SIGINT or SIGHUP stops both (each finishes
gracefully, as it would alone); if either exits on its own, the other is stopped and the
exit status says so, so that a process manager or a terminal notices a half service.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

from transcribe.settings import get_settings

POLL_S = 0.2
KILL_GRACE_S = 10.0  # past the worker's own graceful timeout, stragglers are killed


# Set for each child to its role: the worker then leaves startup warnings to the API.
CHILD_ENV = "TRANSCRIBE_RUN_CHILD"


def _commands() -> dict[str, list[str]]:
    return {
        "API": [sys.executable, "-m", "transcribe", "serve"],
        "worker": [sys.executable, "-m", "transcribe", "worker"],
    }


def _say(message: str) -> None:
    print(f"transcribe run: {message}", file=sys.stderr, flush=True)


def run() -> int:
    graceful_s = get_settings().worker.shutdown_graceful_timeout_s + KILL_GRACE_S
    asked_to_stop: list[int] = []

    def on_signal(signum: int, _: FrameType | None) -> None:
        asked_to_stop.append(signum)

    # Before the children exist, so that no signal can leave them behind.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    children = {
        name: subprocess.Popen(cmd, env={**os.environ, CHILD_ENV: name.lower()})  # noqa: S603 - our own commands
        for name, cmd in _commands().items()
    }

    exited: str | None = None
    while not asked_to_stop and exited is None:
        exited = next((name for name, p in children.items() if p.poll() is not None), None)
        time.sleep(POLL_S)
    if exited:
        _say(f"the {exited} exited with status {children[exited].returncode}; stopping the rest")
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + graceful_s
    for name, child in children.items():
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"the {name} did not stop in {graceful_s:g} s; killing it")
            child.kill()
            child.wait()
    if asked_to_stop or exited is None:
        return 0
    status = children[exited].returncode
    return 128 - status if status < 0 else status or 1  # killed by a signal: 128 + its number

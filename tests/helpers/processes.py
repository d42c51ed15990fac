"""Stopping the service's processes that a test started."""

from __future__ import annotations

import signal
import subprocess


def stop_process(process: subprocess.Popen, timeout: float) -> None:
    """Ask `process` to stop as an operator would (SIGTERM) and wait up to `timeout` seconds
    for its graceful exit; kill it if it does not leave. Nothing if it has already ended
    (a test may have killed it on purpose)."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

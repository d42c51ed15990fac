"""The worker App for bench/queue.py: ours, plus procrastinate's bare no-op baseline."""

from __future__ import annotations

from transcribe.worker.app import app


@app.task(name="bench_noop")
async def bench_noop() -> None:
    """Does nothing: what the queue itself costs."""

"""A plain progress bar on stderr, so stdout stays clean for transcripts."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, total: int, label: str, width: int = 30) -> None:
        self.total, self.label, self.width = max(total, 1), label, width
        self.done = 0
        self.started = time.monotonic()
        self._last_drawn = 0.0

    def advance(self, amount: int) -> None:
        self.done += amount
        now = time.monotonic()
        if now - self._last_drawn > 0.1 or self.done >= self.total:
            self._last_drawn = now
            self.draw()

    def draw(self) -> None:
        fraction = min(self.done / self.total, 1.0)
        filled = int(fraction * self.width)
        rate = self.done / max(time.monotonic() - self.started, 1e-6) / (1 << 20)
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{fraction:6.1%} {self.done / (1 << 20):.1f}/{self.total / (1 << 20):.1f} MiB {rate:.1f} MiB/s"
        )
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()

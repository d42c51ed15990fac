"""What the benchmarks share."""

from __future__ import annotations

from pathlib import Path


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory from the kernel: now (VmRSS) or at its peak (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0

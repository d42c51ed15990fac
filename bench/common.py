"""What the benchmarks share."""

from __future__ import annotations

import os
from pathlib import Path


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory from the kernel: now (VmRSS) or at its peak (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process has used so far, from the kernel."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

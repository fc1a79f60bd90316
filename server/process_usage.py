"""How much CPU time and memory a child process has used, read from /proc (Linux).

The server checks its query and write processes against the time and memory limits with
this while it waits for their answer; it is one read of a small file. `limit_passed` says
which limit a stopped process passed, in the same words for queries and writes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from server.config import Settings

# How often a running query or write process is checked against the limits (and, for a
# query, whether it must make way); its reply ends the wait at once.
CHECK_EVERY_S = 0.05
_CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class Usage(NamedTuple):
    """What a process has used so far."""

    cpu_s: float
    resident_bytes: int


def usage_of(pid: int) -> Usage | None:
    """Return what process `pid` has used, or None where /proc cannot tell (or it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        # The fields after the command name, from the third (state): utime, stime, ..., rss.
        fields = stat.rsplit(")", 1)[1].split()
        cpu_ticks = int(fields[11]) + int(fields[12])
        return Usage(cpu_ticks / _CLOCK_TICKS_PER_S, int(fields[21]) * _PAGE_BYTES)
    except (OSError, ValueError, IndexError):
        return None


def limit_passed(settings: Settings, reason: str) -> str:
    """Return what a process stopped for `reason` ("timeout" or "memory") did, for messages."""
    if reason == "memory":
        return f"needed more than the memory limit of {settings.query_memory_bytes / 1e6:g} MB"
    return f"ran longer than the time limit of {settings.query_timeout_s:g} s"

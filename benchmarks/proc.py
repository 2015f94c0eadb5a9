"""What the benchmarks read from Linux's /proc: a process's tree of children, a figure from its status files, CPU time.

Shared by bench_round.py (peak memory of `xltemplates collect`) and bench_web.py (peak memory of the desk).
"""

from __future__ import annotations

import os
from pathlib import Path


def process_tree(pid: int) -> list[int]:
    """`pid` and every descendant still running (the children of each of its threads, recursively)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return out


def proc_kib(path: str, key: str) -> int:
    """The KiB figure on the line of a /proc file that starts with `key` (``VmRSS:`` in status, ``Pss:`` in
    smaps_rollup); 0 when the process is gone or the line is absent."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> dict[int, float]:
    """User + system CPU seconds of each process of `pid`'s tree (fields 14 and 15 of /proc/<pid>/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            out[p] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return out

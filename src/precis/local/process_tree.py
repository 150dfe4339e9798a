"""The processes below a pid, their memory and CPU time, read from /proc (Linux): what the local stack
started (the lifecycle tests check none is left behind), how much memory the tree holds (the demo's
figure) and how much CPU each process used (the plumbing benchmark's)."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _processes() -> dict[int, tuple[int, int]]:
    """Every process as pid → (parent pid, resident bytes), read from /proc."""
    page = os.sysconf("SC_PAGE_SIZE")
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            resident = int((entry / "statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        table[int(entry.name)] = (int(stat[stat.rindex(")") + 2 :].split()[1]), resident)
    return table


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(root_pid: int, table: dict[int, tuple[int, int]] | None = None) -> set[int]:
    """The pids of every process below `root_pid` (children, their children, ...)."""
    table = table if table is not None else _processes()
    found: set[int] = set()
    frontier = [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in table.items() if ppid == parent and pid not in found]
        found.update(children)
        frontier.extend(children)
    return found


def process_tree_rss(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    table = _processes()
    return sum(table[pid][1] for pid in descendants(root_pid, table) | {root_pid} if pid in table)


class PeakMemory:
    """Samples the process tree's RSS every 0.2 s in a thread; `peak` is the largest sum seen."""

    def __init__(self, pid: int | None = None):
        self.pid = pid or os.getpid()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, process_tree_rss(self.pid))
            if self._stop.wait(0.2):
                return

"""What one durable journal write costs on this disk, by the way the segment file is kept.

Each mode appends frames of --bytes and makes each one durable before the next (one writer), or with
--writers threads writing at once and sharing syncs (group commit). Modes, run interleaved in rounds so
a busier moment of the machine hits each:
    append       a file opened O_APPEND that grows with each write, fdatasync after each: ext4 commits
                 the new size (metadata, its journal) with every sync
    fallocated   the segment reserved up front with fallocate (unwritten extents) and written in place
                 with pwrite: the first write into each extent still changes metadata
    zeroed       the segment filled with zeros up front and written in place: a sync has only data to
                 flush
For each: the median, 90th percentile and worst sync in milliseconds, and the CPU milliseconds (user +
system) of this process per write.

    python bench/journal_sync.py [--writes 400] [--rounds 3] [--bytes 3000] [--writers 1] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

SEGMENT_BYTES = 64 * 1024 * 1024


def open_append(path: Path) -> tuple[int, bool]:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), False


def open_fallocated(path: Path) -> tuple[int, bool]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.posix_fallocate(fd, 0, SEGMENT_BYTES)
    os.fsync(fd)
    return fd, True


def open_zeroed(path: Path) -> tuple[int, bool]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    chunk = bytes(1024 * 1024)
    for offset in range(0, SEGMENT_BYTES, len(chunk)):
        os.pwrite(fd, chunk, offset)
    os.fsync(fd)
    return fd, True


MODES: dict[str, Callable[[Path], tuple[int, bool]]] = {
    "append": open_append,
    "fallocated": open_fallocated,
    "zeroed": open_zeroed,
}


class Writer:
    """Appends under a lock and syncs with group commit, as precis.local.persistence.journal does."""

    def __init__(self, fd: int, in_place: bool) -> None:
        self.fd, self.in_place = fd, in_place
        self.lock, self.sync_lock = threading.Lock(), threading.Lock()
        self.written = self.durable = 0
        self.syncs: list[float] = []

    def write(self, data: bytes) -> None:
        with self.lock:
            if self.in_place:
                os.pwrite(self.fd, data, self.written)
            else:
                os.write(self.fd, data)
            self.written += len(data)
            position = self.written
        if self.durable >= position:
            return
        with self.sync_lock:
            if self.durable >= position:
                return
            target = self.written
            started = time.perf_counter()
            os.fdatasync(self.fd)
            self.syncs.append(time.perf_counter() - started)
            self.durable = max(self.durable, target)


def run(mode: str, directory: Path, writes: int, size: int, writers: int) -> dict[str, float]:
    path = directory / f"{mode}.log"
    fd, in_place = MODES[mode](path)
    writer = Writer(fd, in_place)
    data = os.urandom(size)
    each = writes // writers

    def work() -> None:
        for _ in range(each):
            writer.write(data)

    threads = [threading.Thread(target=work) for _ in range(writers)]
    cpu, started = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    os.close(fd)
    path.unlink()
    syncs = sorted(writer.syncs)
    return {
        "writes/s": each * writers / seconds,
        "median ms": 1000 * statistics.median(syncs),
        "p90 ms": 1000 * syncs[int(0.9 * (len(syncs) - 1))],
        "max ms": 1000 * syncs[-1],
        "CPU ms/write": 1000 * cpu_seconds / (each * writers),
        "writes/sync": each * writers / len(syncs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bytes", type=int, default=3000)
    parser.add_argument("--writers", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="a directory on the disk to measure")
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        for _ in range(args.rounds):
            for mode in MODES:
                results[mode].append(run(mode, Path(directory), args.writes, args.bytes, args.writers))
    columns = list(next(iter(results.values()))[0])
    print(f"{args.writes} writes of {args.bytes} bytes, {args.writers} writer(s), {args.rounds} rounds")
    print(f"{'mode':<12}" + "".join(f"{c:>14}" for c in columns))
    for mode, rounds in results.items():
        print(f"{mode:<12}" + "".join(f"{statistics.median(r[c] for r in rounds):>14.2f}" for c in columns))
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Group commit: one sync answers every writer waiting for the disk, and no writer queues for a lock.

Writers append their frames to the journal in memory (no system call while the journaling middleware
holds its lock), then wait here until a flush (write and fdatasync) covered their position. The first
writer to wait leads: it flushes, in its own thread, everything appended so far, so a writer alone pays
no hand-off to another thread. Writers that come meanwhile sleep on an event of their own. When its
flush is done the leader wakes every writer it covered at once, and makes the first writer it did not
cover (frames appended after its flush began) the next leader.

Before, waiters queued on one sync lock and passed it on one at a time, each needing the interpreter
lock before it could see it was already durable: in a durable pipeline run a fifth of moto's busy
threads were found waiting there.

A flush that fails loses the positions it carried: each of their writers is given the error (its write
is not acknowledged), and so is one that asks later.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Flush = Callable[[], tuple[int, OSError | None]]
"""Writes and syncs everything appended so far: (the position it covers, the error if it failed)."""


class _Waiter:
    def __init__(self, position: int) -> None:
        self.position = position
        self.event = threading.Event()
        self.lead = False
        self.error: OSError | None = None


class GroupCommit:
    """Waits for positions to be durable, by `flush`es run by one waiting writer at a time."""

    def __init__(self, flush: Flush) -> None:
        self._flush = flush
        self._lock = threading.Lock()  # held for bookkeeping only: never across a flush
        self.durable = 0
        self._leading = False
        self._waiting: list[_Waiter] = []
        self._lost: list[tuple[int, int]] = []
        """Ranges of positions (after, up to] that a failed flush carried."""

    def wait(self, position: int) -> None:
        """Returns once `position` is durable; raises the flush's OSError if the one carrying it failed."""
        with self._lock:
            self._raise_if_lost(position)
            if self.durable >= position:
                return
            waiter = None
            if self._leading:
                waiter = _Waiter(position)
                self._waiting.append(waiter)
            else:
                self._leading = True
        if waiter is not None:
            waiter.event.wait()
            if waiter.error is not None:
                raise waiter.error
            if not waiter.lead:
                return
        self._lead()

    def _lead(self) -> None:
        """One flush, then the covered writers woken and the lead handed on; the flush's error raised."""
        with self._lock:
            before = self.durable
        target, error = self._flush()  # covers the leader's own position: it appended before waiting
        with self._lock:
            if error is None:
                self.durable = max(self.durable, target)
            else:
                self._lost.append((before, target))
            covered = [waiter for waiter in self._waiting if waiter.position <= target]
            self._waiting = [waiter for waiter in self._waiting if waiter.position > target]
            successor = self._waiting.pop(0) if self._waiting else None
            if successor is not None:
                successor.lead = True
            else:
                self._leading = False
        for waiter in covered:
            waiter.error = error
            waiter.event.set()
        if successor is not None:
            successor.event.set()
        if error is not None:
            raise error

    def _raise_if_lost(self, position: int) -> None:
        for after, up_to in self._lost:
            if after < position <= up_to:
                raise OSError(5, "the journal lost this write (its flush failed)")

"""The endpoint's writes to its journal, for a journal that cannot be written for a while (a full disk).

A request that cannot be journaled is not accepted: InvokeEndpointAsync answers InternalFailure (500),
which the caller's retries (and reconcile's redispatch) take care of. A later step of an accepted request
(running, stored, closed) that cannot be written does not stop the request: the step waits in memory, in
order, and is written as soon as the journal takes writes again. Until then the fault shows in the
endpoint's status. A step still waiting when the process dies is lost, which costs at most a second model
run or a repeated notification, as a crash between two steps does.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from precis.local.sagemaker.delivery import AsyncRequest
from precis.local.sagemaker.faults import Faults
from precis.local.sagemaker.journal import RequestJournal

log = logging.getLogger(__name__)
DISK_FULL = "database or disk is full"
"""SQLite's message for SQLITE_FULL, which the journal_full fault raises."""


class JournalUnavailable(Exception):
    """The request could not be journaled, so it is not accepted."""


class JournalWriter:
    """Writes through to the journal; keeps the steps it could not write until the journal takes them."""

    def __init__(self, journal: RequestJournal, faults: Faults) -> None:
        self.journal = journal
        self._faults = faults
        self._lock = threading.Lock()
        self._waiting: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._error: str | None = None
        self._since: float | None = None
        self._failed_writes = 0
        self._refused = 0

    def accept(self, request: AsyncRequest, *, ttl: float, timeout: float) -> AsyncRequest:
        """The request journaled and numbered; JournalUnavailable when the journal cannot take it."""
        with self._lock:
            try:
                accepted = self._attempt(self.journal.accept, request, ttl=ttl, timeout=timeout)
            except sqlite3.Error as error:
                self._refused += 1
                raise JournalUnavailable(f"the request could not be journaled: {error}") from error
        self.flush()
        return accepted

    def write(self, step: Callable[..., None], *args: Any) -> None:
        """Writes one step of a request now, or once the steps before it are written."""
        with self._lock:
            self._waiting.append((step, args))
        self.flush()

    def flush(self) -> None:
        """Writes the waiting steps in order, stopping at the first the journal refuses."""
        with self._lock:
            while self._waiting:
                step, args = self._waiting[0]
                try:
                    self._attempt(step, *args)
                except sqlite3.Error:
                    return
                self._waiting.popleft()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def fault(self) -> dict[str, Any] | None:
        """What is wrong with the journal since when, or None while it takes every write."""
        with self._lock:
            if self._error is None:
                return None
            return {
                "error": self._error,
                "since": round(self._since or 0.0, 1),
                "failed_writes": self._failed_writes,
                "waiting_writes": len(self._waiting),
                "refused_requests": self._refused,
            }

    def _attempt(self, step: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            if self._faults.journal_full:
                raise sqlite3.OperationalError(DISK_FULL)
            result = step(*args, **kwargs)
        except sqlite3.Error as error:
            self._failed(error)
            raise
        if self._error is not None:
            log.warning("the journal takes writes again after %s", self._error)
            self._error = self._since = None
        return result

    def _failed(self, error: sqlite3.Error) -> None:
        self._failed_writes += 1
        if self._error is None:
            log.error("the journal %s cannot be written: %s", self.journal.path, error)
            self._since = time.time()
        self._error = str(error)

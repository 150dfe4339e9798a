"""Signs of life of the stack's processes, so the supervisor notices one that hangs, not only one that dies.

SageMaker pings a container's `/ping` and replaces an instance that stops answering; Lambda ends an
invocation at its timeout and replaces the execution environment. Locally the endpoint answers `GET
/ping` (its scheduler has run lately), and a function worker touches a heartbeat file every second
while no invocation has run past its function's timeout. A stopped process (SIGSTOP, a deadlock) gives
neither, and the supervisor replaces it once it has given no sign for its hang time.
"""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

HEARTBEAT_SECONDS = 1.0
"""How often a function worker touches its heartbeat file."""
STOPPED_AFTER_SECONDS = 5 * HEARTBEAT_SECONDS
"""A gap between beats this long means the process was stopped, not merely slow on a loaded machine."""


class Liveness(Protocol):
    def responds(self) -> bool:
        """One quick check: a sign of life since the last check."""


class HttpPing:
    """`GET url` answered 200 within `timeout` seconds (SageMaker's health check: GET /ping)."""

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        self.url = url
        self.timeout = timeout

    def responds(self) -> bool:
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout) as answer:
                return answer.status == 200
        except (OSError, urllib.error.URLError):
            return False


class HeartbeatFile:
    """A file the process touches while it is well: a sign of life is a change of its modification time
    (compared for equality, so a jump of the wall clock is no sign either way)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: int | None = None

    def responds(self) -> bool:
        try:
            modified = self.path.stat().st_mtime_ns
        except OSError:
            return False
        fresh = modified != self._seen
        self._seen = modified
        return fresh


class Heartbeat:
    """The beating side, in a function worker: `beat` (a thread) touches `path` every second until
    `stopping` is set, except while an invocation has run past the function's timeout (Lambda would have
    ended it). The worker sets `invoking_since` (monotonic) for each invocation. No path: no beats."""

    def __init__(self, path: str | None, timeout_seconds: float) -> None:
        self.path = Path(path) if path else None
        self.timeout_seconds = timeout_seconds
        self._since: float | None = None
        self._lock = threading.Lock()

    @property
    def invoking_since(self) -> float | None:
        return self._since

    @invoking_since.setter
    def invoking_since(self, since: float | None) -> None:
        with self._lock:  # the beat thread may be moving the start of the invocation at that moment
            self._since = since

    def stuck(self) -> bool:
        since = self.invoking_since
        return since is not None and time.monotonic() - since > self.timeout_seconds

    def beat(self, stopping: threading.Event) -> None:
        last = time.monotonic()
        while self.path is not None and not stopping.is_set():
            now = time.monotonic()
            self._leave_out(now - last)
            last = now
            if not self.stuck():
                with contextlib.suppress(OSError):
                    self.path.touch()
            stopping.wait(HEARTBEAT_SECONDS)

    def _leave_out(self, between_beats: float) -> None:
        """A gap between two beats far longer than a beat: the whole process was stopped (SIGSTOP, a
        machine's suspend, which CLOCK_MONOTONIC counts on some systems). The invocation did not run
        meanwhile, so that time does not count toward its timeout, as Lambda's clock stops with the
        machine. A deadlocked handler leaves this thread beating, so a hang is still noticed; a handler
        holding the GIL over STOPPED_AFTER_SECONDS at a stretch looks stopped too (the functions do I/O)."""
        with self._lock:
            if self._since is not None and between_beats > STOPPED_AFTER_SECONDS:
                self._since += between_beats - HEARTBEAT_SECONDS

"""The local stack's processes: each started with its own log file, awaited until it says it is ready,
watched while the stack runs, restarted when it dies, and stopped in reverse order of starting.

A child that dies is started again with the same command and environment after a backoff (0.5 s,
doubling to 30 s, back to 0.5 s once it has run a minute), as Lambda replaces an execution environment
and SageMaker an instance; its log is appended to, with a line saying why (logs are never truncated:
one over LOG_ROTATE_BYTES is renamed to `<name>.log.1` when its process starts). An essential child
(an ephemeral stack's moto server, which holds all of the stack's state in its memory) is not
restarted: its death ends the stack. A child's `after_restart` runs (in a thread) once a restarted
process is ready again.
A child with a liveness check (precis.local.liveness) that gives no sign of life for HANG_SECONDS while
the supervisor itself runs is hung: it is killed (SIGKILL) and restarted like a dead one.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from precis.local.errors import StackError
from precis.local.liveness import Liveness

START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10
FIRST_RESTART_DELAY_SECONDS = 0.5
MAX_RESTART_DELAY_SECONDS = 30.0
STABLE_SECONDS = 60.0
"""A child that ran this long before dying is restarted after the first delay again."""
WATCH_SECONDS = 0.2
LOG_ROTATE_BYTES = 64 * 1024 * 1024
HANG_SECONDS = 30.0
"""A ready child with a liveness check and no sign of life this long (real seconds) is hung."""
PROBE_SECONDS = 1.0


def _die_with_parent() -> None:
    """Children get SIGTERM if the stack's process dies without stopping them (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class ChildProcess:
    """One process of the stack, writing its output to a log file, ready when it prints `ready_text`.

    The process writes the file itself: a pipe copied line by line by a thread of the stack's process
    made every child wait on that process's GIL whenever the pipe filled (moto logs every request)."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    ready_text: str | None
    essential: bool = False
    """Its death ends the stack instead of restarting it."""
    process: subprocess.Popen | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    ready_line: str = ""
    restarts: int = 0
    started_at: float = 0.0
    restart_at: float | None = None
    """When a dead child is due to start again (monotonic), None while it runs."""
    after_restart: Callable[[], None] | None = None
    """Run in a thread once a restarted process is ready again."""
    liveness: Liveness | None = None
    last_sign: float = 0.0
    """When the child last gave a sign of life (monotonic)."""
    hung_for: float | None = None
    """Set when the supervisor killed it as hung: how long it had given no sign of life."""
    _last_probe: float = 0.0
    _quick_deaths: int = 0
    _log_start: int = 0

    def start(self, note: str | None = None) -> None:
        """Starts the process, its output appended to the log after a line saying why (`note` on a
        restart); a log over LOG_ROTATE_BYTES is first moved to `<name>.log.1`."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            if self.log_path.stat().st_size > LOG_ROTATE_BYTES:
                self.log_path.replace(self.log_path.with_name(f"{self.log_path.name}.1"))
        with self.log_path.open("ab") as log:
            when = time.strftime("%Y-%m-%d %H:%M:%S")
            log.write(f"\n--- precis-local {when}: {note or 'started'} ---\n".encode())
            log.flush()
            self._log_start = log.tell()
            self.ready.clear()
            self.ready_line = ""
            self.started_at = self.last_sign = time.monotonic()
            self.restart_at = None
            self.hung_for = None
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            )
        if self.ready_text is None:
            self.ready.set()

    def wait_ready(self, deadline: float) -> None:
        while not self.printed_ready():
            if self.started.poll() is not None:
                raise StackError(
                    f"{self.name} exited with {self.started.returncode} while starting:\n{self.tail()}"
                )
            if time.monotonic() > deadline:
                raise StackError(
                    f"{self.name} did not become ready in {START_TIMEOUT_SECONDS} s:\n{self.tail()}"
                )
            time.sleep(0.05)

    def wait_listening(self, port: int) -> None:
        """Until something accepts connections on 127.0.0.1:`port` (for a child that prints no ready line)."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            with socket.socket() as probe:
                probe.settimeout(0.2)
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return
            if not self.alive:
                raise StackError(f"{self.name} exited while starting:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise StackError(f"{self.name} did not listen on {port}:\n{self.tail()}")
            time.sleep(0.05)

    def printed_ready(self) -> bool:
        if not self.ready.is_set() and self.ready_text is not None:
            line = next((line for line in self.tail(lines=0).splitlines() if self.ready_text in line), None)
            if line is not None:
                self.ready_line = line.strip()
                self.last_sign = time.monotonic()  # its hang time counts from here, not from its start
                self.ready.set()
        return self.ready.is_set()

    def tail(self, lines: int = 20) -> str:
        """The last `lines` lines of the current process's output (all of it for 0)."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(self._log_start)
                text = log.read().decode("utf-8", errors="replace")
        except OSError:
            return "(no output)"
        return "\n".join(text.splitlines()[-lines:])

    def schedule_restart(self, now: float) -> float:
        """Sets when the dead process starts again and returns the delay: doubling while it keeps dying
        soon after starting, the first delay again once it had run STABLE_SECONDS."""
        if now - self.started_at >= STABLE_SECONDS:
            self._quick_deaths = 0
        delay = min(MAX_RESTART_DELAY_SECONDS, FIRST_RESTART_DELAY_SECONDS * 2**self._quick_deaths)
        self._quick_deaths += 1
        self.restart_at = now + delay
        return delay

    def probe(self, now: float) -> float | None:
        """Checks a ready child's liveness (once a PROBE_SECONDS); how long it has given no sign of life,
        or None while it gives them (or has no check)."""
        if self.liveness is None or not self.ready.is_set() or now - self._last_probe < PROBE_SECONDS:
            return None
        self._last_probe = now
        if self.liveness.responds():
            self.last_sign = now
            return None
        return now - self.last_sign

    @property
    def started(self) -> subprocess.Popen:
        """The process `start` made (for the checker: callers only ask once it has started)."""
        assert self.process is not None, f"{self.name} has not been started"
        return self.process

    @property
    def exit_description(self) -> str:
        if self.hung_for is not None:
            return f"hung (no sign of life for {self.hung_for:.0f} s) and was killed"
        code = self.process.returncode if self.process else None
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                return f"was killed by {signal.Signals(-code).name}"
        return f"exited with {code}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    """Starts the stack's children, logging to `log_dir/<name>.log`, restarts the ones that die (in a
    thread started by `supervise`), and stops them all. `on_event` gets one line per death and restart."""

    def __init__(
        self,
        log_dir: Path,
        on_event: Callable[[str], None] | None = None,
        *,
        hang_seconds: float = HANG_SECONDS,
    ) -> None:
        self.log_dir = log_dir
        self.on_event = on_event
        self.hang_seconds = hang_seconds
        self.children: list[ChildProcess] = []
        self.events: list[str] = []
        self.ended = threading.Event()
        """Set when an essential child died: the stack cannot go on."""
        self.ended_by: ChildProcess | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._asleep = threading.Event()

    def spawn(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        ready_text: str | None,
        *,
        essential: bool = False,
        liveness: Liveness | None = None,
    ) -> ChildProcess:
        child = ChildProcess(name, command, env, self.log_dir / f"{name}.log", ready_text, essential)
        child.liveness = liveness
        self.children.append(child)
        child.start()
        return child

    def wait_ready(self) -> None:
        """Until every child has printed its ready line; StackError if one dies or the time runs out."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        for child in self.children:
            child.wait_ready(deadline)

    def supervise(self) -> None:
        """From now on a child that dies is restarted (an essential one ends the stack instead)."""
        self._watcher = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._watcher.start()

    def pids(self) -> dict[str, int]:
        return {child.name: child.process.pid for child in self.children if child.process}

    def restarts(self) -> dict[str, int]:
        return {child.name: child.restarts for child in self.children}

    def dead(self) -> list[ChildProcess]:
        return [child for child in self.children if not child.alive]

    def wait(self, stop: threading.Event) -> ChildProcess | None:
        """Blocks until `stop` is set or an essential child dies (returned, so the caller can say so)."""
        while not stop.wait(0.5):
            if self.ended.is_set():
                return self.ended_by
        return None

    def stop(self) -> None:
        """No more restarts; SIGTERM to every child (the last started first), SIGKILL to any still running
        after 10 s."""
        self._stopping.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join()
        with self._lock:
            for child in reversed(self.children):
                if child.alive:
                    with contextlib.suppress(ProcessLookupError):
                        child.started.send_signal(signal.SIGTERM)
                        child.started.send_signal(signal.SIGCONT)  # a stopped child handles it too
            deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
            for child in reversed(self.children):
                if child.process is None:
                    continue
                try:
                    child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.process.kill()
                    child.process.wait()
            self.children = []

    @contextlib.contextmanager
    def asleep(self) -> Iterator[None]:
        """The machine sleeps (a laptop's suspend stops the supervisor with its children): no child is
        judged hung meanwhile, and each has its full hang time again after."""
        self._asleep.set()
        try:
            yield
        finally:
            with self._lock:
                self._asleep.clear()
                self._forgive(time.monotonic())

    def _watch(self) -> None:
        last = time.monotonic()
        while not self._stopping.wait(WATCH_SECONDS):
            with self._lock:
                if self._stopping.is_set():
                    return
                now = time.monotonic()
                if self._asleep.is_set() or now - last > self.hang_seconds / 2:
                    self._forgive(now)  # the supervisor itself did not run: that time proves nothing
                if not self._asleep.is_set():
                    for child in self.children:
                        if not self._check(child):
                            return
                last = time.monotonic()  # after the checks: a slow probe is not the supervisor pausing

    def _forgive(self, now: float) -> None:
        for child in self.children:
            child.last_sign = max(child.last_sign, now)

    def _check(self, child: ChildProcess) -> bool:
        """Restarts `child` if it died and its delay is over; False once an essential child has died."""
        now = time.monotonic()
        if child.alive:
            if child.restarts and not child.ready.is_set() and child.printed_ready():
                self._event(f"{child.name} is ready again (pid {child.started.pid})")
                if child.after_restart is not None:
                    threading.Thread(target=self._after_restart, args=(child,), daemon=True).start()
            silent = child.probe(now)
            if silent is not None and silent > self.hang_seconds and not child.essential:
                child.hung_for = silent
                with contextlib.suppress(ProcessLookupError):
                    child.started.kill()  # SIGKILL ends a stopped process too
                child.started.wait()
            return True
        if child.essential:
            self.ended_by = child
            self.ended.set()
            return False
        if child.restart_at is None:
            delay = child.schedule_restart(now)
            self._event(
                f"{child.name} {child.exit_description} (pid {child.started.pid}); "
                f"restarting it in {delay:g} s (restart {child.restarts + 1})"
            )
        elif now >= child.restart_at:
            restart = child.restarts + 1
            child.start(note=f"restart {restart} after the previous process {child.exit_description}")
            child.restarts = restart  # counted once the new process exists, so readers see its pid
            self._event(f"{child.name} restarted (pid {child.started.pid}, restart {child.restarts})")
        return True

    def _after_restart(self, child: ChildProcess) -> None:
        if child.after_restart is None:
            return
        try:
            child.after_restart()
        except Exception as error:  # noqa: BLE001 - reported; the stack goes on
            self._event(f"{child.name}: what follows its restart failed: {type(error).__name__}: {error}")

    def announce(self, line: str) -> None:
        """A line for the stack's output (and `events`), as a death or restart is reported."""
        self._event(line)

    def _event(self, line: str) -> None:
        self.events.append(line)
        if self.on_event is not None:
            try:
                self.on_event(line)
            except Exception as error:  # noqa: BLE001 - a failing listener must not stop the supervision
                print(f"precis-local: could not report {line!r}: {error}", file=sys.stderr, flush=True)

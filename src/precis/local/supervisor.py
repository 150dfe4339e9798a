"""The local stack's processes: each started with its own log file, awaited until it says it is ready,
watched while the stack runs, and stopped in reverse order of starting.

`Supervisor.wait` is where the stack learns that a child died; today that ends the stack. A child keeps
its command and environment, so starting it again is one `start()` away.
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
from dataclasses import dataclass, field
from pathlib import Path

from precis.local.errors import StackError

START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10


def free_port_pair(preferred: int = 0) -> int:
    """A port P such that P and P+1 are both free on 127.0.0.1 (moto on P, the endpoint on P+1)."""
    if preferred:
        if not (_is_free(preferred) and _is_free(preferred + 1)):
            raise StackError(f"port {preferred} or {preferred + 1} is in use on 127.0.0.1 (try --port)")
        return preferred
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65535 and _is_free(port + 1):
            return port
    raise StackError("no two consecutive free ports on 127.0.0.1")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


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
    process: subprocess.Popen | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    ready_line: str = ""

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
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
        while not self._printed_ready():
            if self.process.poll() is not None:
                raise StackError(
                    f"{self.name} exited with {self.process.returncode} while starting:\n{self.tail()}"
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

    def _printed_ready(self) -> bool:
        if not self.ready.is_set():
            line = next((line for line in self.tail(lines=0).splitlines() if self.ready_text in line), None)
            if line is not None:
                self.ready_line = line.strip()
                self.ready.set()
        return self.ready.is_set()

    def tail(self, lines: int = 20) -> str:
        """The last `lines` lines of the output (all of it for 0)."""
        try:
            return "\n".join(
                self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            )
        except OSError:
            return "(no output)"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    """Starts the stack's children, logging to `log_dir/<name>.log`, and stops them all."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: list[ChildProcess] = []

    def spawn(
        self, name: str, command: list[str], env: dict[str, str], ready_text: str | None
    ) -> ChildProcess:
        child = ChildProcess(name, command, env, self.log_dir / f"{name}.log", ready_text)
        self.children.append(child)
        child.start()
        return child

    def wait_ready(self) -> None:
        """Until every child has printed its ready line; StackError if one dies or the time runs out."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        for child in self.children:
            child.wait_ready(deadline)

    def pids(self) -> dict[str, int]:
        return {child.name: child.process.pid for child in self.children if child.process}

    def dead(self) -> list[ChildProcess]:
        return [child for child in self.children if not child.alive]

    def wait(self, stop: threading.Event) -> ChildProcess | None:
        """Blocks until `stop` is set or a child dies (returned, so the caller can say so)."""
        while not stop.wait(0.5):
            dead = self.dead()
            if dead:
                return dead[0]
        return None

    def stop(self) -> None:
        """SIGTERM to every child (the last started first), SIGKILL to any still running after 10 s."""
        for child in reversed(self.children):
            if child.alive:
                with contextlib.suppress(ProcessLookupError):
                    child.process.send_signal(signal.SIGTERM)
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

"""A local stack run as `precis local up` runs it, in a process group of its own, so a benchmark can kill
every process of it at once (SIGKILL to the group, as a power cut or the OOM killer would) and start it
again on the same data directory and port.

The `LocalStack` object is the stack's configuration only (its outputs, clients and URLs, as the
benchmark's code reads them); the stack itself runs in `python -m precis.local.foreground`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from precis.local.foreground import STACK_READY
from precis.local.ports import free_port_pair
from precis.local.stack import LocalStack
from precis.local.state import pid_alive, read_state

START_SECONDS = 120.0


class StackProcess:
    def __init__(self, stack: LocalStack, options: list[str], work_dir: Path) -> None:
        self.stack = stack
        self.options = options
        self.state_file = work_dir / "state.json"
        self.log = work_dir / "stack.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def __enter__(self) -> StackProcess:
        self.stack.port = free_port_pair(0)
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)

    def start(self) -> None:
        """`python -m precis.local.foreground` on the stack's port and data; until it says it is ready."""
        self.starts += 1
        offset = self.log.stat().st_size if self.log.exists() else 0
        command = [sys.executable, "-m", "precis.local.foreground", "--port", str(self.stack.port)]
        command += [
            "--state-file",
            str(self.state_file),
            "--data-dir",
            str(self.stack.data_dir),
            *self.options,
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_SECONDS
        while STACK_READY not in self.output(offset):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the stack did not start:\n{self.output(offset)[-3000:]}")
            time.sleep(0.2)
        # Each start makes a new secret for the endpoint's admin API (precis.local.gatekeeper): take it.
        state = read_state(self.state_file) or {}
        if state.get("admin_secret"):
            self.stack.admin_secret = state["admin_secret"]

    def output(self, offset: int = 0) -> str:
        with self.log.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", errors="replace")

    def kill_all(self) -> None:
        """SIGKILL to every process of the stack at once; until none is left."""
        state = read_state(self.state_file) or {}
        processes = {self.process.pid, *state.get("processes", {}).values()}
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 30
        while any(pid_alive(pid) for pid in processes) and time.monotonic() < deadline:
            time.sleep(0.1)

    def pids(self) -> dict[str, int]:
        return (read_state(self.state_file) or {}).get("processes", {})

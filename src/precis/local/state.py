"""The running local stack's state file: the process that owns it, its URLs, processes and outputs.

A stack claims the file before it starts (so two `precis local up` in one checkout cannot race),
writes its state once it is ready and removes the file when it stops; the CLI reads it to find the
running stack, and a file whose process is gone counts as no stack.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from precis import paths
from precis.local.errors import StackError


def state_file() -> Path:
    return paths.project_root() / ".precis" / "local" / "state.json"


def pid_alive(pid: int) -> bool:
    """True while the process runs (a zombie, exited but not yet reaped, counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (not Linux): kill(0) is all we know


def read_state(path: Path | None = None) -> dict | None:
    """The running stack's state, or None when there is none (or its process is gone)."""
    path = path or state_file()
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state if pid_alive(int(state.get("pid", 0))) else None


def claim_state(path: Path) -> None:
    """Takes the state file for this process before starting; StackError if a live stack holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            running = read_state(path)
            if running is not None and running.get("pid") != os.getpid():
                raise StackError(f"a local stack is already running (pid {running['pid']})") from None
            path.unlink(missing_ok=True)  # left by a stack that died without cleaning up
            continue
        with os.fdopen(descriptor, "w") as claim:
            json.dump({"pid": os.getpid(), "starting": True}, claim)
        return


def write_state(state: dict, path: Path) -> None:
    """Replaces the file's content at once, so a reader never sees half of it; only its owner may read
    it (it holds the endpoint's admin secret)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        os.fchmod(file.fileno(), 0o600)
        json.dump(state, file, indent=2)
    temporary.replace(path)


def release_state(path: Path) -> None:
    """Removes the file if this process holds it."""
    with contextlib.suppress(FileNotFoundError, ValueError):
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()

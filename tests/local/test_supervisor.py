"""The supervisor restarts a child that dies, with backoff and an appended log; an essential child's death
ends the stack instead."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from precis.local.supervisor import FIRST_RESTART_DELAY_SECONDS, Supervisor


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def test_a_killed_child_is_restarted_with_its_log_appended(tmp_path: Path) -> None:
    # Given a supervised child that says it is ready and then waits
    events: list[str] = []
    supervisor = Supervisor(tmp_path, on_event=events.append)
    child = supervisor.spawn(
        "worker", python("import time; print('worker ready', flush=True); time.sleep(60)"), {}, "worker ready"
    )
    supervisor.wait_ready()
    supervisor.supervise()
    first_pid = child.process.pid
    try:
        # When it is killed
        os.kill(first_pid, signal.SIGKILL)

        # Then it is started again, ready again, its log holding both runs and the reason between them
        wait_for(lambda: child.restarts == 1 and child.ready.is_set())
        assert child.process.pid != first_pid
        assert supervisor.restarts() == {"worker": 1}
        log = (tmp_path / "worker.log").read_text()
        assert log.count("worker ready") == 2
        assert "restart 1 after the previous process was killed by SIGKILL" in log
        assert events == [
            f"worker was killed by SIGKILL (pid {first_pid}); restarting it in "
            f"{FIRST_RESTART_DELAY_SECONDS:g} s (restart 1)",
            f"worker restarted (pid {child.process.pid}, restart 1)",
            f"worker is ready again (pid {child.process.pid})",
        ]
        assert not supervisor.ended.is_set()
    finally:
        supervisor.stop()


def test_a_child_that_keeps_dying_is_restarted_later_each_time(tmp_path: Path) -> None:
    # Given a child that exits at once, every time
    supervisor = Supervisor(tmp_path)
    child = supervisor.spawn("crasher", python("raise SystemExit(3)"), {}, None)
    supervisor.supervise()
    try:
        # When it has been restarted three times
        wait_for(lambda: child.restarts >= 3)
    finally:
        supervisor.stop()

    # Then the delays doubled: 0.5 s, 1 s, 2 s
    delays = [line.split(" in ")[1].split(" s ")[0] for line in supervisor.events if "restarting it" in line]
    assert delays[:3] == ["0.5", "1", "2"]
    assert "exited with 3" in supervisor.events[0]


def test_an_essential_childs_death_ends_the_supervision_without_a_restart(tmp_path: Path) -> None:
    # Given an essential child (as moto's server is) next to an ordinary one
    supervisor = Supervisor(tmp_path)
    essential = supervisor.spawn("state", python("import time; time.sleep(60)"), {}, None, essential=True)
    other = supervisor.spawn("other", python("import time; time.sleep(60)"), {}, None)
    supervisor.supervise()
    try:
        # When the essential child is killed
        essential.process.kill()

        # Then waiting on the stack returns it, and nothing was restarted
        assert supervisor.wait(threading.Event()) is essential
        assert essential.exit_description == "was killed by SIGKILL"
        assert supervisor.restarts() == {"state": 0, "other": 0}
        assert other.alive
    finally:
        supervisor.stop()
    assert not other.alive

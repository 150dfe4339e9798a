"""The supervisor restarts a child that dies, with backoff and an appended log; an essential child's death
ends the stack instead."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from precis.local.liveness import HeartbeatFile
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


BEATING = """
import pathlib, sys, time
beat = pathlib.Path(sys.argv[1])
print("worker ready", flush=True)
while True:
    beat.touch()
    time.sleep(0.1)
"""


def beating_child(supervisor: Supervisor, tmp_path: Path):
    heartbeat = tmp_path / "worker.heartbeat"
    command = [*python(BEATING), str(heartbeat)]
    return supervisor.spawn("worker", command, {}, "worker ready", liveness=HeartbeatFile(heartbeat))


def test_a_stopped_child_is_noticed_killed_and_replaced(tmp_path: Path) -> None:
    # Given a supervised child that touches its heartbeat file, judged hung after 2 s without a beat
    events: list[str] = []
    supervisor = Supervisor(tmp_path, on_event=events.append, hang_seconds=2.0)
    child = beating_child(supervisor, tmp_path)
    supervisor.wait_ready()
    supervisor.supervise()
    stopped = child.process.pid
    try:
        # When it is stopped (alive, but doing nothing)
        os.kill(stopped, signal.SIGSTOP)

        # Then it is killed as hung and replaced, and the replacement beats again
        wait_for(lambda: child.restarts == 1 and child.ready.is_set())
        assert child.process.pid != stopped
        assert events[0].startswith("worker hung (no sign of life for ")
        assert "and was killed" in events[0]
        assert "after the previous process hung" in (tmp_path / "worker.log").read_text()
        time.sleep(3)
        assert child.restarts == 1 and child.alive
    finally:
        supervisor.stop()


def test_a_machine_asleep_judges_no_child_hung(tmp_path: Path) -> None:
    # Given a beating child and a supervisor judging 2 s without a beat as hung
    supervisor = Supervisor(tmp_path, hang_seconds=2.0)
    child = beating_child(supervisor, tmp_path)
    supervisor.wait_ready()
    supervisor.supervise()
    try:
        # When the machine sleeps 4 s with the child stopped, and wakes
        with supervisor.asleep():
            os.kill(child.process.pid, signal.SIGSTOP)
            time.sleep(4)
            os.kill(child.process.pid, signal.SIGCONT)

        # Then the child goes on, never restarted
        time.sleep(3)
        assert child.restarts == 0 and child.alive
    finally:
        supervisor.stop()

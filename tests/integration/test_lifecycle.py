"""Starting and stopping the local stack: no process is left behind, whichever way it is stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from precis.local.process_tree import descendants
from precis.local.stack import LocalStack
from precis.local.state import pid_alive, read_state, state_file
from precis.local.supervisor import free_port_pair

pytestmark = pytest.mark.integration

PRECIS = Path(sys.executable).with_name("precis")


def _wait_for(condition, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)
    return result


@pytest.fixture
def no_running_cli_stack() -> None:
    if read_state() is not None:
        pytest.skip(
            "a `precis local up` stack is running in this checkout; its state file must not be touched"
        )


def test_stopping_the_stack_leaves_no_process_behind(tmp_path: Path) -> None:
    # Given a running stack and every process below this one
    before = descendants(os.getpid())
    stack = LocalStack(0, time_scale=60, log_dir=tmp_path).start()
    started = descendants(os.getpid()) - before
    assert set(stack.pids().values()) <= started

    # When it is stopped
    stack.stop()

    # Then none of its processes is alive
    assert [pid for pid in started if pid_alive(pid)] == []


def test_precis_local_up_stops_on_ctrl_c_leaving_no_process(no_running_cli_stack) -> None:
    # Given `precis local up` running in the foreground
    port = free_port_pair()
    process = subprocess.Popen(
        [str(PRECIS), "local", "up", "--port", str(port), "--time-scale", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        state = _wait_for(
            lambda: (state := read_state()) and "endpoint_url" in state and state, "the stack's state"
        )
        assert state["port"] == port and state["pid"] == process.pid
        processes = descendants(process.pid)
        assert set(state["processes"].values()) <= processes

        # When it gets Ctrl-C
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    # Then it exits cleanly, removes its state and leaves no process behind
    assert process.returncode == 0, output
    assert not state_file().exists()
    assert [pid for pid in processes if pid_alive(pid)] == []


def test_detach_then_down_stops_everything(no_running_cli_stack) -> None:
    # Given a stack started in the background
    port = free_port_pair()
    up = _precis("local", "up", "--detach", "--port", str(port), "--time-scale", "60")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        state = read_state()
        processes = {state["pid"], *state["processes"].values()}
        outputs = _precis("local", "outputs", "--json")
        assert json.loads(outputs.stdout) == state["outputs"]

        # When `precis local down` runs
        down = _precis("local", "down")
    finally:
        if read_state() is not None:
            _precis("local", "down")

    # Then every process of the stack is gone and so is its state
    assert down.returncode == 0, down.stdout + down.stderr
    assert [pid for pid in processes if pid_alive(pid)] == []
    assert read_state() is None


def _precis(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(PRECIS), *args], capture_output=True, text=True, timeout=120)


def test_precis_local_up_restarts_a_killed_endpoint_and_ends_only_when_moto_dies(
    no_running_cli_stack,
) -> None:
    # Given a stack started in the background
    port = free_port_pair()
    up = _precis("local", "up", "--detach", "--port", str(port), "--time-scale", "60")
    state = read_state()
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        processes = {state["pid"], *state["processes"].values()}

        # When its endpoint is killed
        os.kill(state["processes"]["endpoint"], signal.SIGKILL)

        # Then `precis local status` shows it restarted, alive, and answering
        status = _wait_for(
            lambda: (
                (answer := json.loads(_precis("local", "status", "--json").stdout))["processes"]["endpoint"][
                    "restarts"
                ]
                == 1
                and answer["endpoint"] is not None
                and answer
            ),
            "the endpoint to be restarted",
        )
        assert status["processes"]["endpoint"]["alive"] is True
        assert status["processes"]["moto"]["restarts"] == 0
        processes |= {status["processes"]["endpoint"]["pid"]}

        # When moto's server is killed
        os.kill(state["processes"]["moto"], signal.SIGKILL)

        # Then the stack stops, saying its state is gone, and leaves no process behind
        _wait_for(lambda: not pid_alive(state["pid"]), "the stack to stop")
    finally:
        if read_state() is not None:
            _precis("local", "down")
    log = (state_file().parent / "logs" / "stack.log").read_text()
    assert "precis-local: endpoint was killed by SIGKILL" in log
    assert "moto was killed by SIGKILL: all of the stack's state" in log
    assert [pid for pid in processes if pid_alive(pid)] == []
    assert read_state() is None
    assert _precis("local", "status").returncode == 1

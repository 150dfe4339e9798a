"""Starting and stopping the local stack: no process is left behind, whichever way it is stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from precis import paths
from precis.local.ports import free_port_pair
from precis.local.process_tree import descendants
from precis.local.stack import LocalStack
from precis.local.state import pid_alive, read_state, state_file

pytestmark = pytest.mark.integration

PRECIS = Path(sys.executable).with_name("precis")
FIRST_UPLOAD_SECONDS = 30.0
"""'At once' for the first upload: waking an endpoint from zero takes its 2-minute alarm at real time."""
_LISTEN = "0A"


def _wait_for(condition, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)
    return result


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


def test_precis_local_up_stops_on_ctrl_c_leaving_no_process(no_running_cli_stack, tmp_path: Path) -> None:
    # Given `precis local up` running in the foreground
    port = free_port_pair()
    process = subprocess.Popen(
        [str(PRECIS), "local", "up", "--port", str(port), "--time-scale", "60", "--data-dir", str(tmp_path)],
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


def test_detach_then_down_stops_everything(no_running_cli_stack, tmp_path: Path) -> None:
    # Given a stack started in the background
    port = free_port_pair()
    up = _precis(
        "local", "up", "--detach", "--port", str(port), "--time-scale", "60", "--data-dir", str(tmp_path)
    )
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


def test_the_first_upload_right_after_precis_local_up_is_summarized_at_once(
    no_running_cli_stack, tmp_path: Path
) -> None:
    # Given `precis local up` with the default settings (real time) on no data, as a new user starts it
    up = _precis("local", "up", "--detach", "--port", str(free_port_pair()), "--data-dir", str(tmp_path))
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        state = read_state()
        s3, dynamodb = _clients(state)
        sample = sorted(paths.samples_dir().glob("*.txt"))[0]

        # When the first article is uploaded right away
        uploaded = time.monotonic()
        s3.upload_file(str(sample), state["outputs"]["InputBucketName"], f"incoming/first/{sample.name}")

        # Then it is COMPLETED within seconds, by the instance the endpoint was created with
        table = state["outputs"]["SummariesTableName"]
        [record] = _wait_for(
            lambda: [
                item
                for item in dynamodb.scan(TableName=table)["Items"]
                if "status" in item and item["status"]["S"] in ("COMPLETED", "FAILED")  # a document's record
            ],
            "the first record",
            timeout=FIRST_UPLOAD_SECONDS,
        )
        elapsed = time.monotonic() - uploaded
        endpoint = json.loads(_precis("local", "status", "--json").stdout)["endpoint"]
    finally:
        if read_state() is not None:
            _precis("local", "down")
    assert record["status"]["S"] == "COMPLETED", record
    assert elapsed < FIRST_UPLOAD_SECONDS
    assert endpoint["scaling_activities"] == [] and endpoint["in_service"] == 1


def test_down_then_up_on_the_same_port_works_at_once_after_traffic(
    no_running_cli_stack, tmp_path: Path
) -> None:
    # Given a stack in the background on a fixed port that has summarized articles, its clients still
    # connected (as a user's session would be)
    port = free_port_pair()
    data = ("--data-dir", str(tmp_path))
    up = _precis("local", "up", "--detach", "--port", str(port), "--time-scale", "60", *data)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        clients = _summarize_samples(read_state())

        # When it is stopped and started again on the same port at once
        down = _precis("local", "down")
        assert down.returncode == 0, down.stdout + down.stderr
        closing = _closing_connections(port) + _closing_connections(port + 1)
        again = _precis("local", "up", "--detach", "--port", str(port), "--time-scale", "60", *data)
    finally:
        if read_state() is not None:
            _precis("local", "down")

    # Then the new stack starts on that port although the old one's connections were still closing
    assert closing, "stopping the stack left no connection closing: this test would prove nothing"
    assert again.returncode == 0, again.stdout + again.stderr
    assert clients


def _clients(state: dict) -> tuple:
    """S3 and DynamoDB clients of the running stack."""
    session = boto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=state["region"]
    )
    return (
        session.client("s3", endpoint_url=state["endpoint_url"]),
        session.client("dynamodb", endpoint_url=state["endpoint_url"]),
    )


def _summarize_samples(state: dict) -> tuple:
    """Uploads the sample papers to the running stack and waits until each has its record; the clients
    (their connections are still open)."""
    s3, dynamodb = _clients(state)
    samples = sorted(paths.samples_dir().glob("*.txt"))
    for sample in samples:
        s3.upload_file(str(sample), state["outputs"]["InputBucketName"], f"incoming/restart/{sample.name}")
    _wait_for(
        lambda: (
            dynamodb.scan(  # the documents' records (reconcile's upload-sweep position has no status)
                TableName=state["outputs"]["SummariesTableName"],
                Select="COUNT",
                FilterExpression="attribute_exists(#s)",
                ExpressionAttributeNames={"#s": "status"},
            )["Count"]
            >= len(samples)
        ),
        "the samples' records",
    )
    return s3, dynamodb


def _closing_connections(port: int) -> list[str]:
    """The states of sockets still bound to 127.0.0.1:`port` other than a listener (/proc/net/tcp):
    the stopped servers' connections, closing (FIN_WAIT2, TIME_WAIT...)."""
    local = f"0100007F:{port:04X}"
    rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return [row[3] for row in rows if row[1] == local and row[3] != _LISTEN]


def _precis(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(PRECIS), *args], capture_output=True, text=True, timeout=120)


def test_an_ephemeral_stack_restarts_a_killed_endpoint_and_ends_only_when_moto_dies(
    no_running_cli_stack,
) -> None:
    # Given a stack started in the background, its state in memory only
    port = free_port_pair()
    up = _precis("local", "up", "--detach", "--port", str(port), "--time-scale", "60", "--ephemeral")
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

"""The local stack keeps its data: `precis local down` and `up` again, or a kill -9 of every process
of the stack and `up` again, and every object and record is back; `--fresh` and `reset` start over."""

from __future__ import annotations

import contextlib
import gzip
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
from precis.local.stack import LocalStack
from precis.local.state import pid_alive, read_state
from precis.samples import passages

pytestmark = pytest.mark.integration

PRECIS = Path(sys.executable).with_name("precis")


def _precis(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(PRECIS), *args], capture_output=True, text=True, timeout=180)


def _up(data: Path, port: int) -> subprocess.CompletedProcess:
    up = _precis(
        "local", "up", "--detach", "--port", str(port), "--time-scale", "60", "--data-dir", str(data)
    )
    assert up.returncode == 0, up.stdout + up.stderr
    return up


def _clients(state: dict) -> tuple:
    session = boto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=state["region"]
    )
    return session.client("s3", endpoint_url=state["endpoint_url"]), session.client(
        "dynamodb", endpoint_url=state["endpoint_url"]
    )


def _everything(state: dict) -> tuple[dict, dict]:
    """Every object version of the stack's buckets (key, version, ETag, size) and every record."""
    s3, dynamodb = _clients(state)
    objects = {}
    for bucket in (state["outputs"]["InputBucketName"], state["outputs"]["OutputBucketName"]):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for version in page.get("Versions", []):
                objects[(bucket, version["Key"], version["VersionId"])] = (version["ETag"], version["Size"])
    table = state["outputs"]["SummariesTableName"]
    # The documents' records (the table also holds reconcile's upload-sweep position, which moves)
    records = {
        item["document_id"]["S"]: item
        for page in dynamodb.get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
        if "status" in item
    }
    return objects, records


def _table_items(state: dict) -> int:
    """How many items the summaries table holds (what `up` restores and counts)."""
    _, dynamodb = _clients(state)
    return dynamodb.scan(TableName=state["outputs"]["SummariesTableName"], Select="COUNT")["Count"]


def _summarize_samples(state: dict, folder: str) -> int:
    """Uploads the sample articles and waits until each is COMPLETED or FAILED and every COMPLETED one is
    in the analytics copy (nothing written after); how many."""
    s3, dynamodb = _clients(state)
    samples = sorted(paths.samples_dir().glob("*.txt"))
    for sample in samples:
        s3.upload_file(str(sample), state["outputs"]["InputBucketName"], f"incoming/{folder}/{sample.name}")
    table = state["outputs"]["SummariesTableName"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        items = [item for item in dynamodb.scan(TableName=table)["Items"] if "status" in item]
        completed = {item["document_id"]["S"] for item in items if item["status"]["S"] == "COMPLETED"}
        copied = {
            row["document_id"] for row in _analytics_rows(s3, state["outputs"]["OutputBucketName"], folder)
        }
        # Settled: each final, and each COMPLETED one in the analytics copy (its batching window passed)
        if sum(item["status"]["S"] in ("COMPLETED", "FAILED") for item in items) >= len(samples) and (
            copied >= completed
        ):
            return len(samples)
        time.sleep(0.5)
    pytest.fail("the samples were not summarized and copied for analytics in 120 s")


def test_precis_local_down_then_up_keeps_every_record_and_object(
    no_running_cli_stack, tmp_path: Path
) -> None:
    # Given a stack that summarized the sample articles
    port = free_port_pair()
    _up(tmp_path, port)
    try:
        count = _summarize_samples(read_state(), "kept")
        objects, records = _everything(read_state())
        table_items = _table_items(read_state())  # the records and reconcile's upload-sweep position

        # When it is stopped and started again
        assert _precis("local", "down").returncode == 0
        again = _up(tmp_path, port)
        state = read_state()

        # Then every object version and every record is back, unchanged, and nothing ran again
        assert _everything(state) == (objects, records)
        assert len(records) == count and all(r["status"]["S"] == "COMPLETED" for r in records.values())
        # And `up` said what it restored, and that there was nothing left to do
        assert f"restored {len(objects)} objects" in again.stdout, again.stdout
        assert f"and {table_items} records" in again.stdout
        assert "0 uploads without a record submitted again, 0 QUEUED records reconciled" in again.stdout
        assert "did not stop cleanly" not in again.stdout
        # And `precis local status` shows where the data is and its size
        status = json.loads(_precis("local", "status", "--json").stdout)
        assert status["data"]["dir"] == str(tmp_path.resolve()) and status["data"]["bytes"] > 0
    finally:
        if read_state() is not None:
            _precis("local", "down")


def test_after_a_kill_9_of_the_whole_stack_up_recovers_everything_and_says_so(
    no_running_cli_stack, tmp_path: Path
) -> None:
    # Given a stack in the background (its own process group) that summarized the samples
    port = free_port_pair()
    _up(tmp_path, port)
    state = read_state()
    try:
        _summarize_samples(state, "crashed")
        objects, records = _everything(state)
        processes = {state["pid"], *state["processes"].values()}

        # When every process of the stack is killed at once
        os.killpg(os.getpgid(state["pid"]), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(pid_alive(pid) for pid in processes) and time.monotonic() < deadline:
            time.sleep(0.1)

        # Then `up` again says the last stack did not stop cleanly and everything is back
        again = _up(tmp_path, port)
        assert "did not stop cleanly" in again.stdout, again.stdout
        assert _everything(read_state()) == (objects, records)
        assert _precis("local", "down").returncode == 0

        # When it starts with --fresh, Then it is empty
        fresh = _precis(
            "local",
            "up",
            "--detach",
            "--port",
            str(port),
            "--time-scale",
            "60",
            "--data-dir",
            str(tmp_path),
            "--fresh",
        )
        assert fresh.returncode == 0, fresh.stdout + fresh.stderr
        assert _everything(read_state()) == ({}, {})
        s3, _ = _clients(read_state())
        s3.put_object(Bucket=read_state()["outputs"]["InputBucketName"], Key="notes/kept.txt", Body=b"x")
        assert _precis("local", "down").returncode == 0
    finally:
        if read_state() is not None:
            _precis("local", "down")

    # And `precis local reset --yes` deletes the data
    assert (tmp_path / "moto").exists()
    reset = _precis("local", "reset", "--data-dir", str(tmp_path), "--yes")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    assert not tmp_path.exists()


def _analytics_rows(s3, bucket: str, collection: str) -> list[dict]:
    """Every row of the collection in the analytics copy (duplicates kept, to be seen)."""
    prefix = f"analytics/summaries/collection={collection}/"
    rows = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for listed in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read()
            rows += [json.loads(line) for line in gzip.decompress(body).decode().splitlines()]
    return rows


def _completed(stack: LocalStack, collection: str, count: int) -> set[str]:
    """Waits until the collection has `count` records, all finished; the COMPLETED ones' ids."""
    dynamodb = stack.client("dynamodb")
    request = {
        "TableName": stack.outputs["SummariesTableName"],
        "IndexName": "by-collection",
        "KeyConditionExpression": "#c = :c",
        "ExpressionAttributeNames": {"#c": "collection"},
        "ExpressionAttributeValues": {":c": {"S": collection}},
    }
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        items = dynamodb.query(**request)["Items"]  # a few dozen records: one page
        statuses = {item["document_id"]["S"]: item["status"]["S"] for item in items}
        if len(statuses) >= count and set(statuses.values()) <= {"COMPLETED", "FAILED"}:
            return {document for document, status in statuses.items() if status == "COMPLETED"}
        time.sleep(0.5)
    pytest.fail(f"{count} records of {collection} were not finished in 180 s")


def _upload(stack: LocalStack, collection: str, articles: list[tuple[str, str]]) -> None:
    s3 = stack.client("s3")
    for name, text in articles:
        key = f"incoming/{collection}/{name}"
        s3.put_object(Bucket=stack.outputs["InputBucketName"], Key=key, Body=text.encode())


def test_completions_still_in_the_stream_when_moto_is_killed_reach_the_analytics_copy(
    tmp_path: Path,
) -> None:
    # Given a durable stack whose analytics copy holds a first batch of completed records (so the stream
    # event source has a position), the analytics copy's window 300 s of the stack's clock (5 s here)
    articles = passages(400)
    collection = "streamed"
    with LocalStack(0, time_scale=60, data_dir=tmp_path / "data", log_dir=tmp_path / "logs") as stack:
        _upload(stack, collection, articles[:3])
        completed = _completed(stack, collection, 3)
        _wait_for_rows(stack, collection, completed)

        # And completions the stream source has not read yet: its execution environment is paused while
        # more articles are summarized
        analytics = stack.pids()["AnalyticsFunction"]
        os.kill(analytics, signal.SIGSTOP)
        try:
            _upload(stack, collection, articles[3:6])
            completed = _completed(stack, collection, 6)

            # When moto's server is killed with SIGKILL, and the stack restarts it on its data
            os.kill(stack.pids()["moto"], signal.SIGKILL)
            _wait_for_restart(stack)
        finally:
            with contextlib.suppress(ProcessLookupError):  # replaced, if paused past the hang limit
                os.kill(analytics, signal.SIGCONT)

        # And more articles complete after the restart, into the same collection
        _upload(stack, collection, articles[6:9])
        completed = _completed(stack, collection, 9)

        # Then every COMPLETED record is in the analytics copy, once: those completed before the kill and
        # not yet read from the stream too, and no batch after the restart overwrote one before it
        copied = [row["document_id"] for row in _wait_for_rows(stack, collection, completed)]
        assert not completed - set(copied), f"{len(completed - set(copied))} of {len(completed)} missing"
        assert sorted(copied) == sorted(completed)


def _wait_for_rows(stack: LocalStack, collection: str, completed: set[str]) -> list[dict]:
    """The collection's analytics rows once every completed record has one (or after 90 s, as they are)."""
    deadline = time.monotonic() + 90
    while True:
        rows = _analytics_rows(stack.client("s3"), stack.outputs["OutputBucketName"], collection)
        if {row["document_id"] for row in rows} >= completed or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def _wait_for_restart(stack: LocalStack) -> None:
    """Until the supervisor has restarted moto's server and the stack has provisioned it again and
    finished what was in flight (its announcement)."""
    announced = len([line for line in stack.supervisor.events if "moto restored its data" in line])
    deadline = time.monotonic() + 90
    while len([line for line in stack.supervisor.events if "moto restored its data" in line]) == announced:
        if time.monotonic() > deadline:
            pytest.fail(f"moto was not restarted and restored in 90 s: {stack.supervisor.events[-5:]}")
        time.sleep(0.2)

"""The local stack, started once per test session, and the ways tests drive it: the AWS CLI and boto3."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from boto3.dynamodb.types import TypeDeserializer

from precis import paths
from precis.local.stack import LocalStack
from precis.local.state import read_state, state_file
from precis.samples import passages

TIME_SCALE = 120.0
"""Simulated seconds per real second: an 8-minute instance start takes 4 s, a 15-minute scale-in 7.5 s."""

PACED_INFERENCE = paths.project_root() / "bench" / "paced_inference.py"
"""The real inference script at a GPU-like pace, so a burst builds a backlog whatever this CPU's speed."""

WAIT_SECONDS = 120.0
"""How long a test waits for the pipeline before calling it stuck (a liveness guard, not a speed figure)."""

FINAL = {"COMPLETED", "FAILED"}
_AWS_CLI = Path(sys.executable).with_name("aws")
_deserializer = TypeDeserializer()


@pytest.fixture
def no_running_cli_stack() -> Iterator[None]:
    """The checkout's `precis local up` state file (.precis/local/state.json), this test's alone: tests that
    run `precis local up` on pytest-xdist's workers (`make integration`) take turns on a lock beside it;
    a stack the user runs in this checkout skips them, its state file not to be touched."""
    lock_path = state_file().with_name("state.json.test-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if read_state() is not None:
            pytest.skip(
                "a `precis local up` stack is running in this checkout; its state file must not be touched"
            )
        yield


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The whole pipeline on free ports, time compressed; stopped (every process) after the session."""
    logs = tmp_path_factory.mktemp("local-stack-logs")
    with LocalStack(
        0, time_scale=TIME_SCALE, inference_script=PACED_INFERENCE, log_dir=logs, ephemeral=True
    ) as stack:
        yield stack


class Pipeline:
    """What a user does with the running stack: upload with the AWS CLI or boto3, read the records back."""

    def __init__(self, stack: LocalStack, home: Path):
        self.stack = stack
        self.home = home
        self.s3 = stack.client("s3")
        self.dynamodb = stack.client("dynamodb")
        self.input_bucket = stack.outputs["InputBucketName"]
        self.table = stack.outputs["SummariesTableName"]

    def new_collection(self, name: str) -> str:
        return f"{name}-{uuid.uuid4().hex[:8]}"

    def cli_environment(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.home),
            **self.stack.aws_environment(),
            "AWS_CONFIG_FILE": str(self.home / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.home / "no-credentials"),
            "AWS_PAGER": "",
        }

    def aws(self, *args: str) -> str:
        """Runs the AWS CLI against the stack; its stdout (the command must succeed)."""
        command = [str(_AWS_CLI), "--endpoint-url", self.stack.endpoint_url, "--output", "json", *args]
        done = subprocess.run(command, env=self.cli_environment(), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"aws {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    def upload(self, key: str, body: bytes, content_type: str = "text/plain") -> str:
        self.s3.put_object(Bucket=self.input_bucket, Key=key, Body=body, ContentType=content_type)
        return f"s3://{self.input_bucket}/{key}"

    def records(self, collection: str) -> list[dict]:
        """The collection's records, read with the by-collection GSI."""
        request = {
            "TableName": self.table,
            "IndexName": "by-collection",
            "KeyConditionExpression": "#c = :c",
            "ExpressionAttributeNames": {"#c": "collection"},
            "ExpressionAttributeValues": {":c": {"S": collection}},
        }
        items = []
        while True:
            page = self.dynamodb.query(**request)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return [{k: _deserializer.deserialize(v) for k, v in item.items()} for item in items]
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def wait_for_records(self, collection: str, count: int) -> list[dict]:
        """Waits until the collection has `count` records, all COMPLETED or FAILED."""
        return wait_until(
            lambda: (
                (records := self.records(collection))
                and len(records) >= count
                and all(r["status"] in FINAL for r in records)
                and records
            ),
            f"{count} finished records in collection {collection}",
        )

    def record_at(self, location: str, collection: str) -> dict:
        records = self.wait_for_records_at(location, collection)
        assert len(records) == 1, records
        return records[0]

    def wait_for_records_at(self, location: str, collection: str) -> list[dict]:
        return wait_until(
            lambda: (
                (records := [r for r in self.records(collection) if r["input_location"] == location])
                and all(r["status"] in FINAL for r in records)
                and records
            ),
            f"a finished record for {location}",
        )

    def endpoint_status(self) -> dict:
        return self.stack.endpoint_status()

    @staticmethod
    def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT_SECONDS):
        return wait_until(condition, what, timeout)

    @staticmethod
    def articles(count: int) -> list[tuple[str, str]]:
        return sample_articles(count)


def wait_until(
    condition: Callable[[], object], what: str, timeout: float = WAIT_SECONDS, interval: float = 0.25
):
    """Polls `condition` until it returns something truthy (returned); fails the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(interval)


@pytest.fixture(scope="session")
def pipeline(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return Pipeline(local_stack, tmp_path_factory.mktemp("aws-home"))


@pytest.fixture(scope="module")
def own_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """A stack of the test module's own, for tests that kill its processes; its data kept on disk."""
    logs, data = tmp_path_factory.mktemp("own-stack-logs"), tmp_path_factory.mktemp("own-stack-data")
    with LocalStack(
        0, time_scale=TIME_SCALE, inference_script=PACED_INFERENCE, log_dir=logs, data_dir=data
    ) as stack:
        yield Pipeline(stack, tmp_path_factory.mktemp("aws-home"))


def sample_articles(count: int, min_words: int = 400) -> list[tuple[str, str]]:
    """`count` distinct real texts: consecutive paragraphs of the bundled samples, 400+ words each."""
    articles = passages(min_words)
    assert len(articles) >= count, f"the samples hold only {len(articles)} texts of {min_words}+ words"
    return articles[:count]

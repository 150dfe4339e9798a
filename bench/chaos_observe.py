"""What bench/chaos.py reads from a local stack while a fault runs, as a user or an operator would: the
collection's records through DynamoDB, the endpoint's admin API (status, journal, fault switches), the
dead-letter queues, and `precis` commands run against the stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from precis_core.domain.ids import parse_timestamp

from precis.local.stack import LocalStack

PRECIS = Path(sys.executable).with_name("precis")
REDRIVEN = {"submit": "SubmitDeadLetterQueue", "record": "RecordDeadLetterQueue"}
"""`precis redrive --function F`: the events each function's on-failure queue keeps."""
DEAD_LETTER_QUEUES = (*REDRIVEN.values(), "ReconcileDeadLetterQueue")
PATIENT = Config(retries={"mode": "standard", "max_attempts": 10})
RESTART_SECONDS = 120.0
"""How long the uploader keeps trying to connect while moto's server or the whole stack restarts (the
SDK's own retries give up after a few refused connections)."""


def patiently(call: Callable, **request: object) -> dict:
    """The call, tried again while nothing listens (a restart under way), for up to RESTART_SECONDS."""
    deadline = time.monotonic() + RESTART_SECONDS
    while True:
        try:
            return call(**request)
        except (EndpointConnectionError, ConnectionClosedError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def wait_until(condition: Callable[[], bool], every: float = 0.5) -> None:
    while not condition():
        time.sleep(every)


def dead_letter_reason(message: dict) -> str:
    """Why Lambda gave up on an event: the condition and error of an on-failure destination's invocation
    record (EventInvokeConfig), or the ErrorMessage attribute of a dead-letter queue's copy of the event."""
    attribute = message.get("MessageAttributes", {}).get("ErrorMessage", {}).get("StringValue")
    if attribute:
        return str(attribute)[:160]
    try:
        record = json.loads(message["Body"])
        condition = record["requestContext"]["condition"]
    except (ValueError, KeyError, TypeError):
        return "(no error given)"
    error = (record.get("responsePayload") or {}).get("errorMessage", "")
    return f"{condition}: {error}"[:160] if error else str(condition)


class StackObserver:
    """One collection's view of a running local stack."""

    def __init__(self, stack: LocalStack, collection: str) -> None:
        self.stack = stack
        self.collection = collection
        self.bucket = stack.outputs["InputBucketName"]
        self.table = stack.outputs["SummariesTableName"]
        self.s3 = stack.client("s3", config=PATIENT)
        self.dynamodb = stack.client("dynamodb", config=PATIENT)

    # --- the records ----------------------------------------------------------------------------
    def records(self) -> dict[str, dict]:
        """The collection's records by document id (the by-collection index, every page), each with the
        key of its upload."""
        request = {
            "TableName": self.table,
            "IndexName": "by-collection",
            "KeyConditionExpression": "#c = :c",
            "ExpressionAttributeNames": {
                "#c": "collection",
                "#d": "document_id",
                "#s": "status",
                "#r": "failure_reason",
                "#t": "completed_at",
                "#i": "input_location",
            },
            "ExpressionAttributeValues": {":c": {"S": self.collection}},
            "ProjectionExpression": "#d, #s, #r, #t, #i",
        }
        found = {}
        while True:
            page = patiently(self.dynamodb.query, **request)
            for item in page["Items"]:
                record = {name: value["S"] for name, value in item.items()}
                record["key"] = record.get("input_location", "").removeprefix(f"s3://{self.bucket}/")
                found[record["document_id"]] = record
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def records_by_key(self) -> dict[str, list[dict]]:
        by_key: dict[str, list[dict]] = {}
        for record in self.records().values():
            by_key.setdefault(record["key"], []).append(record)
        return by_key

    def newest_completion(self) -> datetime | None:
        times = [parse_timestamp(r["completed_at"]) for r in self.records().values() if "completed_at" in r]
        return max(times, default=None)

    # --- the endpoint ---------------------------------------------------------------------------
    def endpoint(self, path: str) -> dict:
        return self.stack.endpoint_admin(path, timeout=10)

    def set_faults(self, **faults: bool) -> None:
        self.stack.endpoint_admin("faults", faults, timeout=10)

    def endpoint_idle(self) -> bool:
        status = self.endpoint("status")
        journal = status["journal"]
        return status["backlog"] == 0 and journal["queued"] + journal["running"] + journal["stored"] == 0

    def model_runs(self, completed_only: bool = False) -> Counter[str]:
        """Model runs per uploaded key, from the endpoint's journal (only COMPLETED articles' if asked)."""
        runs: Counter[str] = Counter()
        for row in self.endpoint("journal")["requests"]:
            runs[row["input_location"].removeprefix(f"s3://{self.bucket}/")] += row["runs"]
        if completed_only:
            done = {r["key"] for r in self.records().values() if r["status"] == "COMPLETED"}
            return Counter({key: count for key, count in runs.items() if key in done})
        return runs

    # --- the dead-letter queues -----------------------------------------------------------------
    def dead_letters(self) -> dict[str, int]:
        """Messages in each function's dead-letter queue, those with any."""
        sqs = self.stack.client("sqs")
        counts = {}
        for queue in DEAD_LETTER_QUEUES:
            url = sqs.get_queue_url(QueueName=self.stack.stack.get_att(queue, "QueueName"))["QueueUrl"]
            attributes = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            count = sum(int(value) for value in attributes.values())
            if count:
                counts[queue] = count
        return counts

    def dead_letter_reasons(self) -> dict[str, dict[str, int]]:
        """Why the messages left in a dead-letter queue got there, counted (`dead_letter_reason`).
        Read at the very end (receiving hides them for a while, as any reader of the queue does)."""
        sqs = self.stack.client("sqs")
        reasons: dict[str, dict[str, int]] = {}
        for queue in self.dead_letters():
            url = sqs.get_queue_url(QueueName=self.stack.stack.get_att(queue, "QueueName"))["QueueUrl"]
            counted: Counter[str] = Counter()
            while batch := sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600, MessageAttributeNames=["All"]
            ).get("Messages", []):
                counted.update(dead_letter_reason(message) for message in batch)
            reasons[queue] = dict(counted.most_common())
        return reasons

    # --- the user's commands --------------------------------------------------------------------
    def precis(self, *command: str) -> None:
        """A `precis` command against the stack, as a user runs it."""
        env = {**os.environ, **self.stack.aws_environment()}
        subprocess.run(
            [str(PRECIS), *command, "--endpoint-url", self.stack.endpoint_url, "--json"],
            env=env,
            capture_output=True,
            check=True,
            timeout=600,
        )

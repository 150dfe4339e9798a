"""The local DynamoDB stream event source: moto's stream polled as Lambda's event source mapping polls
it, with the template's filter, batch size and window, retries, on-failure record and checkpoint."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from precis.local.clock import ScaledClock
from precis.local.ports import free_port_pair
from precis.local.stream_source import StreamPoller, StreamSource, matches
from precis.local.wiring import wire_functions
from precis.template import load_stack

REGION = "us-east-1"
TABLE = "summaries"
COMPLETED_ONLY = json.dumps(
    {"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"status": {"S": ["COMPLETED"]}}}}
)


@pytest.fixture
def aws(mocked_aws, streamed_table):
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    streamed_table(dynamodb, TABLE, "document_id")
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.create_queue(QueueName="on-failure")
    return dynamodb, sqs


def complete(dynamodb, document_id: str) -> None:
    key = {"document_id": {"S": document_id}}
    dynamodb.put_item(TableName=TABLE, Item={**key, "status": {"S": "QUEUED"}})
    dynamodb.update_item(
        TableName=TABLE,
        Key=key,
        UpdateExpression="SET #s = :c",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": {"S": "COMPLETED"}},
    )


class Handler:
    """Records the batches it gets; fails the first `failures` invocations."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.batches: list[list[dict]] = []

    def __call__(self, event: dict, request_id: str) -> dict | None:
        if self.failures:
            self.failures -= 1
            return {"errorMessage": "boom", "errorType": "RuntimeError"}
        self.batches.append(event["Records"])
        return None


def poller(aws, handler, checkpoint: Path | None = None, **source) -> tuple[StreamPoller, threading.Event]:
    dynamodb, sqs = aws
    settings = {
        "table_name": TABLE,
        "starting_position": "TRIM_HORIZON",
        "batch_size": 100,
        "batching_window_seconds": 0,
        "maximum_retry_attempts": 2,
        "filter_patterns": (COMPLETED_ONLY,),
        "on_failure_queue_name": "on-failure",
        **source,
    }
    stopping = threading.Event()
    return (
        StreamPoller(
            StreamSource(**settings),
            handler,
            dynamodb=dynamodb,
            streams=boto3.client("dynamodbstreams", region_name=REGION),
            sqs=sqs,
            clock=ScaledClock(1000.0),
            checkpoint=checkpoint,
            stopping=stopping,
        ),
        stopping,
    )


def run_until(target: StreamPoller, stopping: threading.Event, done, timeout: float = 20.0) -> None:
    thread = threading.Thread(target=target.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)
    stopping.set()
    thread.join(5)
    assert done(), "the poller did not get there in time"


def test_only_matching_records_reach_the_handler_in_batches_of_the_mappings_size(aws) -> None:
    dynamodb, _ = aws
    for n in range(5):
        complete(dynamodb, f"doc-{n}")
    handler = Handler()
    target, stopping = poller(aws, handler, batch_size=2, batching_window_seconds=300)  # 0.3 s real

    run_until(target, stopping, lambda: sum(map(len, handler.batches)) >= 5)

    # The five INSERTs were filtered out; the completions came two at a time, the last after the window
    assert [len(batch) for batch in handler.batches] == [2, 2, 1]
    records = [record for batch in handler.batches for record in batch]
    assert [r["dynamodb"]["Keys"]["document_id"]["S"] for r in records] == [f"doc-{n}" for n in range(5)]
    assert all(
        r["eventName"] == "MODIFY" and r["eventSourceARN"].startswith("arn:aws:dynamodb") for r in records
    )
    assert all(isinstance(r["dynamodb"]["ApproximateCreationDateTime"], int) for r in records)


def test_a_failing_batch_is_retried_then_described_on_failure(aws) -> None:
    dynamodb, sqs = aws
    complete(dynamodb, "doc-1")
    handler = Handler(failures=10)
    target, stopping = poller(aws, handler, maximum_retry_attempts=2)
    url = sqs.get_queue_url(QueueName="on-failure")["QueueUrl"]

    def described() -> list[dict]:
        return sqs.receive_message(QueueUrl=url).get("Messages", [])

    messages: list[dict] = []
    run_until(target, stopping, lambda: messages.extend(described()) or messages)

    assert handler.failures == 7  # the first call and two retries
    info = json.loads(messages[0]["Body"])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["DDBStreamBatchInfo"]["batchSize"] == 1
    assert (
        info["DDBStreamBatchInfo"]["startSequenceNumber"] == info["DDBStreamBatchInfo"]["endSequenceNumber"]
    )


def test_a_restarted_poller_resumes_after_its_checkpoint(aws, tmp_path: Path) -> None:
    dynamodb, _ = aws
    checkpoint = tmp_path / "checkpoint.json"
    complete(dynamodb, "doc-1")
    first = Handler()
    target, stopping = poller(aws, first, checkpoint)
    run_until(target, stopping, lambda: first.batches)

    complete(dynamodb, "doc-2")
    second = Handler()
    target, stopping = poller(aws, second, checkpoint)
    run_until(target, stopping, lambda: second.batches)

    assert [[r["dynamodb"]["Keys"]["document_id"]["S"] for r in b] for b in second.batches] == [["doc-2"]]


def test_a_poller_reads_on_after_moto_restarts_with_every_record_once(
    tmp_path: Path, moto_server_process, streamed_table
) -> None:
    # Given a durable moto server with the table, and a poller that delivered a first completion
    port = free_port_pair()
    data, log = tmp_path / "data", tmp_path / "moto.log"
    with moto_server_process(log, "--data-dir", str(data), port=port) as (url, server):
        clients = {service: _client(url, service) for service in ("dynamodb", "dynamodbstreams", "sqs")}
        streamed_table(clients["dynamodb"], TABLE, "document_id")
        complete(clients["dynamodb"], "doc-1")
        handler = Handler()
        target, stopping = _poller_on(clients, handler)
        thread = threading.Thread(target=target.run, daemon=True)
        thread.start()
        _wait(lambda: handler.batches)

        # When the server is killed with SIGKILL (its iterators die with it), a completion made meanwhile
        complete(clients["dynamodb"], "doc-2")
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    with moto_server_process(log, "--data-dir", str(data), port=port):
        # And it comes back on its data, and another completion follows
        complete(clients["dynamodb"], "doc-3")

        # Then the poller reads on: every completion reaches the handler once, in order
        try:
            _wait(lambda: sum(map(len, handler.batches)) >= 3)
        finally:
            stopping.set()
            thread.join(5)
    delivered = [r["dynamodb"]["Keys"]["document_id"]["S"] for b in handler.batches for r in b]
    assert delivered == ["doc-1", "doc-2", "doc-3"]


def _client(url: str, service: str):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"mode": "standard", "max_attempts": 2}),
    )


def _poller_on(clients: dict, handler: Handler) -> tuple[StreamPoller, threading.Event]:
    stopping = threading.Event()
    source = StreamSource(TABLE, "TRIM_HORIZON", 100, 0, 2, (COMPLETED_ONLY,))
    target = StreamPoller(
        source,
        handler,
        dynamodb=clients["dynamodb"],
        streams=clients["dynamodbstreams"],
        sqs=clients["sqs"],
        clock=ScaledClock(1000.0),
        checkpoint=None,
        stopping=stopping,
    )
    return target, stopping


def _wait(done, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the poller did not get there in time"
        time.sleep(0.05)


def test_filters_match_exact_values_and_refuse_other_operators() -> None:
    record = {"eventName": "MODIFY", "dynamodb": {"NewImage": {"status": {"S": "COMPLETED"}}}}
    assert matches(json.loads(COMPLETED_ONLY), record)
    assert not matches({"eventName": ["INSERT"]}, record)
    assert not matches({"dynamodb": {"OldImage": {"status": {"S": ["QUEUED"]}}}}, record)
    with pytest.raises(ValueError, match="exact values only"):
        matches({"eventName": [{"prefix": "MOD"}]}, record)


def test_the_templates_stream_event_is_wired_to_one_worker() -> None:
    wiring = wire_functions(load_stack(), 60.0, Path("."))["AnalyticsFunction"]
    (stream,) = wiring.worker.streams
    assert stream["starting_position"] == "TRIM_HORIZON"
    assert stream["batching_window_seconds"] == 300 and stream["batch_size"] == 1000
    assert stream["on_failure_queue_name"].startswith("precis-local-AnalyticsDeadLetterQueue")
    assert [config.streams for _, config in wiring.execution_environments(3)][1:] == [[], []]

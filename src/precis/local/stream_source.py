"""A DynamoDB stream event source mapping for the local stack, as Lambda runs one.

The worker of a function with a `DynamoDB` event runs a `StreamPoller` beside its event queue: it reads
the table's stream in moto (dynamodbstreams), keeps the records the mapping's filter patterns match,
gathers them until the batch size or the batching window (on the stack's clock) is reached, and invokes
the handler synchronously with Lambda's event (`Records[]` with `eventSourceARN`). A batch that fails is
invoked again, as it was, up to MaximumRetryAttempts; then its description (shard, first and last
sequence numbers) goes to the on-failure queue and the shard moves on. The position after each batch
is kept in a checkpoint file, so a restarted worker resumes where the last one stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from precis.local.clock import ScaledClock

if TYPE_CHECKING:  # boto3's stubs are a dev dependency (none for dynamodbstreams: that client is Any)
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

MAX_BATCH_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous invocation payload limit: a batch is cut before it."""
_IDLE_SECONDS = 0.25
"""Real seconds between reads of a shard with nothing new (DynamoDB Streams' GetRecords has no long poll)."""
_RETRY_SECONDS = 1.0
"""Real seconds before reading again after the stream could not be read (moto's server restarting)."""

Invoke = Callable[[dict[str, Any], str], dict[str, Any] | None]


@dataclass(frozen=True)
class StreamSource:
    """What the worker needs of one `DynamoDB` event (precis.template.functions.StreamTrigger), as JSON."""

    table_name: str
    starting_position: str
    batch_size: int
    batching_window_seconds: int
    maximum_retry_attempts: int
    filter_patterns: tuple[str, ...] = ()
    on_failure_queue_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StreamSource:
        return cls(**{**data, "filter_patterns": tuple(data.get("filter_patterns") or ())})


def matches(pattern: Any, value: Any) -> bool:
    """Lambda's event filtering for exact values: every key of the pattern is in the record, a list
    names the allowed values, a dict descends. Other operators (prefix, numeric, exists) are refused."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            k in value and matches(p, value[k]) for k, p in pattern.items()
        )
    if isinstance(pattern, list):
        if any(isinstance(p, dict) for p in pattern):
            raise ValueError(f"filter operator {pattern!r}: the local stack matches exact values only")
        return value in pattern
    raise ValueError(f"filter pattern {pattern!r}: expected an object or a list of values")


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda's DynamoDB event carries it (times as epoch seconds)."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        **{k: v for k, v in record.items() if k != "dynamodb"},
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


class StreamPoller:
    """One stream event source mapping of a worker: polls, batches, invokes, checkpoints."""

    def __init__(
        self,
        source: StreamSource,
        invoke: Invoke,
        *,
        dynamodb: DynamoDBClient,
        streams: Any,
        sqs: SQSClient,
        clock: ScaledClock,
        checkpoint: Path | None,
        stopping: threading.Event,
    ) -> None:
        self.source = source
        self.invoke = invoke
        self.dynamodb, self.streams, self.sqs = dynamodb, streams, sqs
        self.clock = clock
        self.checkpoint = checkpoint
        self.stopping = stopping
        self.patterns = [json.loads(p) for p in source.filter_patterns]
        self.positions: dict[str, str] = self._read_checkpoint()  # per shard: the last record dealt with
        self.read_up_to: dict[str, str] = dict(self.positions)
        self.batches = 0

    def run(self) -> None:
        stream_arn = self._await_stream()
        iterators: dict[str, str] = {}
        pending: list[dict[str, Any]] = []
        first_seen = 0.0
        while not self.stopping.is_set():
            was_empty = not pending
            try:
                read = self._read(stream_arn, iterators, pending)
            except (ClientError, BotoCoreError) as error:
                # An iterator that expired (moto's server restarted: its iterators are gone) or the
                # stream out of reach: as Lambda does, new iterators after the last record read, later.
                print(f"reading the stream failed ({type(error).__name__}); reading again", file=sys.stderr)
                iterators.clear()
                self.stopping.wait(_RETRY_SECONDS)
                continue
            if was_empty and pending:
                first_seen = self.clock.now()
            full = len(pending) >= self.source.batch_size or _size(pending) >= MAX_BATCH_BYTES
            due = bool(pending) and self.clock.now() - first_seen >= self.source.batching_window_seconds
            if full or due:
                if not self.deliver(stream_arn, pending):
                    return
                pending = []
            if not pending and read:
                self._checkpoint()  # only filtered-out records since the last batch
            if not read:
                self.stopping.wait(_IDLE_SECONDS)

    def _read(self, stream_arn: str, iterators: dict[str, str], pending: list[dict[str, Any]]) -> int:
        """Reads each shard once, adding the records the filter keeps to `pending`; how many were read."""
        read = 0
        for shard in self._shards(stream_arn, iterators):
            room = max(1, min(self.source.batch_size - len(pending), 1000))
            response = self.streams.get_records(ShardIterator=iterators[shard], Limit=room)
            iterators[shard] = response.get("NextShardIterator") or iterators[shard]
            for record in response.get("Records", []):
                read += 1
                self.read_up_to[shard] = record["dynamodb"]["SequenceNumber"]
                event_record = lambda_record(record, stream_arn)
                if self.patterns and not any(matches(p, event_record) for p in self.patterns):
                    continue  # filtered out: never invoked, as Lambda discards it
                pending.append({"shard": shard, "record": event_record})
        return read

    def deliver(self, stream_arn: str, pending: list[dict[str, Any]]) -> bool:
        """Invokes the handler with the batch; retries it as it was, then the on-failure queue. False when
        the worker stops before the batch went through (not checkpointed: the next worker takes it)."""
        records = [item["record"] for item in pending]
        request_id = f"{records[0]['dynamodb']['SequenceNumber']}-{len(records)}"
        self.batches += 1
        attempts = 0
        while True:
            attempts += 1
            error = self.invoke({"Records": records}, request_id)
            if error is None:
                break
            if self.stopping.is_set():
                return False
            retries = self.source.maximum_retry_attempts
            if retries >= 0 and attempts > retries:
                if not self._fail(stream_arn, pending[0]["shard"], records, attempts, error):
                    return False
                break
            self.stopping.wait(self.clock.real(min(2.0**attempts, 60.0)))
        self._checkpoint()
        return True

    def _fail(
        self, stream_arn: str, shard: str, records: list[dict[str, Any]], attempts: int, error: dict[str, Any]
    ) -> bool:
        """Lambda's on-failure record for a stream batch: where the records are, not the records. Sent
        once the queue can be reached (False if the worker stops first)."""
        if not self.source.on_failure_queue_name:
            print(
                f"dropped stream batch after {attempts} attempts: no on-failure destination", file=sys.stderr
            )
            return True
        times = [r["dynamodb"].get("ApproximateCreationDateTime", 0) for r in records]
        body = {
            "requestContext": {
                "requestId": f"{records[0]['dynamodb']['SequenceNumber']}-{len(records)}",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(times[0]),
                "approximateArrivalOfLastRecord": _iso(times[-1]),
                "batchSize": len(records),
                "streamArn": stream_arn,
            },
            "errorMessage": str(error.get("errorMessage", ""))[:1024],
        }
        while True:
            try:
                url = self.sqs.get_queue_url(QueueName=self.source.on_failure_queue_name)["QueueUrl"]
                self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
                return True
            except (ClientError, BotoCoreError):
                if self.stopping.wait(_RETRY_SECONDS):
                    return False

    def _await_stream(self) -> str:
        """The table's latest stream ARN, once the stack has created the table."""
        while True:
            try:
                table = self.dynamodb.describe_table(TableName=self.source.table_name)["Table"]
                if table.get("LatestStreamArn"):
                    return str(table["LatestStreamArn"])
            except (ClientError, EndpointConnectionError):
                pass
            if self.stopping.wait(0.1):
                raise SystemExit(0)

    def _shards(self, stream_arn: str, iterators: dict[str, str]) -> list[str]:
        """The stream's shards, each with an iterator after the last record read (at first the checkpoint's),
        or at the starting position."""
        description = self.streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id in iterators:
                continue
            request: dict[str, Any] = {"StreamArn": stream_arn, "ShardId": shard_id}
            if shard_id in self.read_up_to:  # the checkpoint, or after what is read but not delivered
                request |= {
                    "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                    "SequenceNumber": self.read_up_to[shard_id],
                }
            else:
                request["ShardIteratorType"] = self.source.starting_position
            iterators[shard_id] = self.streams.get_shard_iterator(**request)["ShardIterator"]
        return list(iterators)

    def _read_checkpoint(self) -> dict[str, str]:
        if self.checkpoint is None or not self.checkpoint.exists():
            return {}
        with contextlib.suppress(ValueError, OSError):
            return {str(k): str(v) for k, v in json.loads(self.checkpoint.read_text()).items()}
        return {}

    def _checkpoint(self) -> None:
        self.positions = dict(self.read_up_to)
        if self.checkpoint is None:
            return
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        partial = self.checkpoint.with_suffix(".partial")
        partial.write_text(json.dumps(self.positions))
        os.replace(partial, self.checkpoint)


def start_pollers(
    streams: list[dict[str, Any]],
    checkpoint_dir: str | None,
    invoke: Invoke,
    clock: ScaledClock,
    stopping: threading.Event,
) -> list[StreamPoller]:
    """One thread per stream event source of a worker (clients from the function's environment)."""
    pollers = []
    retries = Config(retries={"mode": "standard"})
    for number, data in enumerate(streams):
        source = StreamSource.from_dict(data)
        checkpoint = Path(checkpoint_dir) / f"{source.table_name}-{number}.json" if checkpoint_dir else None
        poller = StreamPoller(
            source,
            invoke,
            dynamodb=boto3.client("dynamodb", config=retries),
            streams=boto3.client("dynamodbstreams", config=retries),
            sqs=boto3.client("sqs", config=retries),
            clock=clock,
            checkpoint=checkpoint,
            stopping=stopping,
        )
        threading.Thread(target=poller.run, name=f"stream-{number}", daemon=True).start()
        pollers.append(poller)
    return pollers


def _size(pending: list[dict[str, Any]]) -> int:
    return sum(int(item["record"]["dynamodb"].get("SizeBytes", 0)) for item in pending)


def _iso(epoch_seconds: Any) -> str:
    return datetime.fromtimestamp(float(epoch_seconds or 0), UTC).isoformat().replace("+00:00", "Z")

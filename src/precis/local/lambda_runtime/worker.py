"""One Lambda function of the local stack: its event queue turned into invocations of the real handler.

`python -m precis.local.lambda_runtime CONFIG_JSON` runs `main` in a process whose environment is the
function's own (the template's variables plus the AWS endpoints), as Lambda runs one execution environment.
moto's server delivers S3 notifications and SNS messages to the function's SQS event queue; this
loop turns each message back into the event Lambda would have passed, invokes the handler, and keeps
Lambda's asynchronous-invocation semantics: retries on error, then the on-failure destination.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from precis.local.clock import ScaledClock
from precis.local.lambda_runtime.environment import FunctionConfig, LambdaContext, load_handler
from precis.local.lambda_runtime.events import failure_record, lambda_event, scheduled_event
from precis.local.liveness import Heartbeat
from precis.local.stream_source import start_pollers

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        ChangeMessageVisibilityBatchRequestEntryTypeDef,
        DeleteMessageBatchRequestEntryTypeDef,
        MessageTypeDef,
    )

RETRY_DELAYS_SECONDS = (60, 120)
"""Lambda waits one minute before the second attempt of an async invocation, two before the third."""

MAX_VISIBILITY_SECONDS = 43200
"""SQS's longest visibility timeout (12 hours)."""

READY = "precis-function ready"
"""The line a worker prints once it takes events (the stack waits for it): `READY: <logical id>`."""

_POLL_SECONDS = 20
"""SQS's longest poll: an idle function costs moto nothing; SIGTERM interrupts the wait at once."""
_REPOLL_SECONDS = 1.0
"""Real seconds before polling again after the event queue could not be read."""


class HeldMessages:
    """The messages of the batch a worker is on, kept invisible while it works through them.

    The event queue's visibility timeout follows the stack's clock, so a killed worker's messages come
    back soon; a live worker's batch can take longer than that on a busy machine, so every third of the
    timeout it extends the visibility of the messages it still holds (none, when batches are quick)."""

    def __init__(self, sqs: SQSClient, visibility_seconds: int) -> None:
        self._sqs = sqs
        self._visibility = visibility_seconds
        self._lock = threading.Lock()
        self._queue_url = ""
        self._handles: set[str] = set()

    def hold(self, queue_url: str, messages: list[MessageTypeDef]) -> None:
        with self._lock:
            self._queue_url = queue_url
            self._handles = {message["ReceiptHandle"] for message in messages}

    def release(self, handle: str) -> None:
        with self._lock:
            self._handles.discard(handle)

    def clear(self) -> None:
        with self._lock:
            self._handles = set()

    def keep_invisible(self, stopping: threading.Event) -> None:
        """Runs until `stopping`: extends the held messages' visibility every third of the timeout."""
        while not stopping.wait(self._visibility / 3):
            # Under the lock, so a message released for its retry delay is not extended after it.
            with self._lock:
                entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
                    {"Id": str(n), "ReceiptHandle": handle, "VisibilityTimeout": self._visibility}
                    for n, handle in enumerate(sorted(self._handles))
                ]
                for start in range(0, len(entries), 10):
                    with contextlib.suppress(ClientError, EndpointConnectionError):
                        self._sqs.change_message_visibility_batch(
                            QueueUrl=self._queue_url, Entries=entries[start : start + 10]
                        )


class FunctionWorker:
    """Polls one function's event queue and invokes its handler, one invocation at a time."""

    def __init__(
        self,
        config: FunctionConfig,
        sqs: SQSClient | None = None,
        sns: SNSClient | None = None,
        handler: Callable[[dict, LambdaContext], Any] | None = None,
    ) -> None:
        self.config = config
        self.clock = ScaledClock(config.time_scale)
        retries = Config(retries={"mode": "standard"})
        self.sqs = sqs or boto3.client("sqs", config=retries)
        self.sns = sns or boto3.client("sns", config=retries)
        self.handler = handler or load_handler(config.code_dir, config.handler)
        self.held = HeldMessages(self.sqs, config.visibility_timeout_seconds)
        self.stopping = threading.Event()
        self.busy = False
        self.heartbeat = Heartbeat(config.heartbeat_path, config.timeout_seconds)
        self.queue_url = ""
        self._queue_urls: dict[str, str] = {}
        self._subscriptions: dict[str, str] = {}

    def run(self) -> None:
        self.queue_url = self.await_queue(self.config.queue_name)
        for schedule in self.config.schedules:
            threading.Thread(target=self._tick, args=(schedule,), daemon=True).start()
        threading.Thread(target=self.held.keep_invisible, args=(self.stopping,), daemon=True).start()
        start_pollers(self.config.streams, self.config.checkpoint_dir, self.invoke, self.clock, self.stopping)
        threading.Thread(target=self.heartbeat.beat, args=(self.stopping,), daemon=True).start()
        while not self.stopping.is_set():
            try:
                self.poll_once(wait_seconds=_POLL_SECONDS)
            except (BotoCoreError, ClientError) as error:
                self._event_queue_unreachable(error)

    def _event_queue_unreachable(self, error: Exception) -> None:
        """Lambda's poller rides out its queue's errors: moto's server restarting, a long poll cut off
        by a machine's sleep. Messages not deleted come back after their visibility timeout; a queue
        created again (moto restarted) is looked up again."""
        print(
            f"event queue: {type(error).__name__}: {error}; polling again in 1 s", file=sys.stderr, flush=True
        )
        if self.stopping.wait(_REPOLL_SECONDS):
            return
        code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
        if "NonExistentQueue" in code or "QueueDoesNotExist" in code:
            self.queue_url = self.await_queue(self.config.queue_name)

    def await_queue(self, name: str) -> str:
        """The queue's URL once the stack has created it (workers start while moto is provisioned)."""
        while True:
            try:
                return self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            except (ClientError, EndpointConnectionError) as error:
                if self.stopping.wait(0.05):
                    raise SystemExit(0) from error

    def subscription_arn(self, topic_arn: str) -> str:
        """The ARN of this function's subscription to the topic, as Lambda's SNS event carries it."""
        if topic_arn not in self._subscriptions:
            pages = self.sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
            for subscription in (s for page in pages for s in page["Subscriptions"]):
                if subscription["Endpoint"] == self.config.queue_arn:
                    self._subscriptions[topic_arn] = subscription["SubscriptionArn"]
        return self._subscriptions.get(topic_arn, f"{topic_arn}:{uuid.uuid4()}")

    def queue_url_of(self, name: str) -> str:
        if name not in self._queue_urls:
            self._queue_urls[name] = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return self._queue_urls[name]

    def poll_once(self, wait_seconds: int = 0) -> int:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
        )
        messages = response.get("Messages", [])
        self.held.hold(self.queue_url, messages)
        done: list[DeleteMessageBatchRequestEntryTypeDef] = []
        for message in messages:
            if self.stopping.is_set():
                break  # the rest become visible again; nothing is lost while the stack stops
            self.busy = True
            try:
                if self.deliver(message):
                    done.append({"Id": str(len(done)), "ReceiptHandle": message["ReceiptHandle"]})
            finally:
                self.busy = False
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=done)
        self.held.clear()
        return len(messages)

    def deliver(self, message: MessageTypeDef) -> bool:
        """Invokes the handler once for the message; True when the message is finished with."""
        attributes = message.get("Attributes", {})
        attempt = int(attributes.get("ApproximateReceiveCount", "1"))
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, message["MessageId"]))
        event = lambda_event(message["Body"], self.subscription_arn)
        age = time.time() - int(attributes.get("SentTimestamp", time.time() * 1000)) / 1000
        if self.clock.simulated(age) > self.config.maximum_event_age_seconds:
            self.fail(event, request_id, attempt - 1, "EventAgeExceeded", None)
            return True
        error = self.invoke(event, request_id)
        if error is None:
            return True
        if attempt > self.config.maximum_retry_attempts:
            self.fail(event, request_id, attempt, "RetriesExhausted", error)
            return True
        delay = RETRY_DELAYS_SECONDS[min(attempt, len(RETRY_DELAYS_SECONDS)) - 1]
        self.held.release(message["ReceiptHandle"])
        self.sqs.change_message_visibility(
            QueueUrl=self.queue_url,
            ReceiptHandle=message["ReceiptHandle"],
            VisibilityTimeout=min(MAX_VISIBILITY_SECONDS, self.clock.whole_real_seconds(delay)),
        )
        return False

    def invoke(self, event: dict, request_id: str) -> dict | None:
        """Runs the handler; the error payload Lambda would report, or None on success."""
        started = self.heartbeat.invoking_since = time.monotonic()
        print(f"START RequestId: {request_id} Version: $LATEST", flush=True)
        try:
            self.handler(event, LambdaContext(self.config, request_id))
            error = None
        except Exception as exc:  # noqa: BLE001 - any handler error is a failed invocation, as in Lambda
            error = {
                "errorMessage": str(exc),
                "errorType": type(exc).__name__,
                "requestId": request_id,
                "stackTrace": traceback.format_tb(exc.__traceback__),
            }
            print(json.dumps(error), file=sys.stderr, flush=True)
        self.heartbeat.invoking_since = None
        elapsed_ms = (time.monotonic() - started) * 1000
        print(
            f"END RequestId: {request_id}\nREPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms\t"
            f"Memory Size: {self.config.memory_mb} MB",
            flush=True,
        )
        return error

    def fail(self, event: dict, request_id: str, attempts: int, condition: str, error: dict | None) -> None:
        if self.config.on_failure_queue_name is None:
            print(
                f"dropped event {request_id} after {attempts} attempts: no on-failure destination",
                file=sys.stderr,
                flush=True,
            )
            return
        if self.config.on_failure_is_destination:
            record = failure_record(self.config, event, request_id, attempts, condition, error)
            self.sqs.send_message(
                QueueUrl=self.queue_url_of(self.config.on_failure_queue_name), MessageBody=json.dumps(record)
            )
            return
        error = error or {"errorType": condition, "errorMessage": condition}
        self.sqs.send_message(  # a DeadLetterQueue gets the event itself, the error as attributes
            QueueUrl=self.queue_url_of(self.config.on_failure_queue_name),
            MessageBody=json.dumps(event),
            MessageAttributes={
                "RequestID": {"DataType": "String", "StringValue": request_id},
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                "ErrorMessage": {
                    "DataType": "String",
                    "StringValue": error["errorMessage"][:1024] or "error",
                },
            },
        )

    def _tick(self, schedule: dict) -> None:
        interval = self.clock.real(schedule["rate_seconds"])
        region = self.config.arn.split(":")[3]
        account_id = self.config.arn.split(":")[4]
        while not self.stopping.wait(interval):
            event = scheduled_event(schedule, account_id, region)
            try:
                self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(event))
            except (BotoCoreError, ClientError) as error:  # this tick is lost, as EventBridge may lose one
                print(
                    f"schedule: tick not sent: {type(error).__name__}: {error}", file=sys.stderr, flush=True
                )

    def stop(self, *_: Any) -> None:
        """SIGTERM/SIGINT: finish the invocation in progress, then exit."""
        self.stopping.set()
        if not self.busy:
            raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    config = FunctionConfig.from_json((argv or sys.argv[1:])[0])
    worker = FunctionWorker(config)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    print(f"{READY}: {config.logical_id}", flush=True)
    with contextlib.suppress(SystemExit):
        worker.run()

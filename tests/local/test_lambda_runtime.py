"""The function worker: SQS messages back into Lambda events, and Lambda's async retry/destination rules."""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from moto import mock_aws

from precis.local.lambda_runtime import FunctionConfig, FunctionWorker, LambdaContext, lambda_event

TOPIC = "arn:aws:sns:us-east-1:123456789012:precis-local-success"
SUBSCRIPTION = f"{TOPIC}:0d2c5f3e-1111-2222-3333-444455556666"

SNS_ENVELOPE = {
    "Type": "Notification",
    "MessageId": "7d4ef201-ebb8-4391-8997-47983e462112",
    "TopicArn": TOPIC,
    "Message": '{"invocationStatus": "Completed"}',
    "Timestamp": "2026-11-25T01:13:58.225Z",
    "SignatureVersion": "2",
    "Signature": "c2lnbmF0dXJl",
    "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
    "UnsubscribeURL": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={SUBSCRIPTION}",
    "MessageAttributes": {"kind": {"Type": "String", "Value": "result"}},
}


def config(**overrides) -> FunctionConfig:
    values = {
        "logical_id": "RecordFunction",
        "name": "precis-local-RecordFunction-X",
        "arn": "arn:aws:lambda:us-east-1:123456789012:function:precis-local-RecordFunction-X",
        "code_dir": "/nowhere",
        "handler": "app.lambda_handler",
        "queue_name": "precis-local-RecordFunction-events",
        "queue_arn": "arn:aws:sqs:us-east-1:123456789012:precis-local-RecordFunction-events",
        "timeout_seconds": 30,
        "memory_mb": 256,
        "on_failure_queue_name": "precis-local-RecordDeadLetterQueue-Y",
        "time_scale": 1000.0,
    }
    return FunctionConfig(**{**values, **overrides})


class FakeSqs:
    """Records what the worker asks of SQS."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.visibility: list[int] = []

    def get_queue_url(self, QueueName: str) -> dict:  # noqa: N803 - boto3's parameter names
        return {"QueueUrl": f"http://127.0.0.1:1/123456789012/{QueueName}"}

    def send_message(self, **request) -> dict:
        self.sent.append(request)
        return {"MessageId": "m"}

    def change_message_visibility(self, **request) -> None:
        self.visibility.append(request["VisibilityTimeout"])


def message(body: dict, receive_count: int) -> dict:
    return {
        "MessageId": "a9c7f1f0-0000-4000-8000-000000000001",
        "ReceiptHandle": f"handle-{receive_count}",
        "Body": json.dumps(body),
        "Attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "9999999999999"},
    }


def test_an_sns_delivery_becomes_lambdas_sns_event() -> None:
    event = lambda_event(json.dumps(SNS_ENVELOPE), lambda topic: SUBSCRIPTION)

    record = event["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == SUBSCRIPTION
    assert record["Sns"]["Message"] == SNS_ENVELOPE["Message"]
    assert record["Sns"]["SigningCertUrl"] == SNS_ENVELOPE["SigningCertURL"]
    assert record["Sns"]["UnsubscribeUrl"] == SNS_ENVELOPE["UnsubscribeURL"]
    assert record["Sns"]["Subject"] is None
    assert record["Sns"]["MessageAttributes"] == {"kind": {"Type": "String", "Value": "result"}}


def test_an_s3_notification_is_passed_as_is() -> None:
    s3_event = {"Records": [{"eventSource": "aws:s3", "s3": {"object": {"key": "incoming/a+b.txt"}}}]}
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"}

    assert lambda_event(json.dumps(s3_event), lambda topic: "") == s3_event
    assert lambda_event(json.dumps(test_event), lambda topic: "") == test_event


def test_the_context_has_what_powertools_reads() -> None:
    context = LambdaContext(config(), "req-1")

    assert context.function_name == "precis-local-RecordFunction-X"
    assert context.memory_limit_in_mb == 256
    assert context.aws_request_id == "req-1"
    assert 0 < context.get_remaining_time_in_millis() <= 30_000


def failing_handler(event, context):
    raise ValueError("not a SageMaker notification")


@pytest.mark.parametrize("attempt", [1, 2])
def test_a_failed_invocation_is_retried_later_while_attempts_remain(attempt: int) -> None:
    sqs = FakeSqs()
    worker = FunctionWorker(config(), sqs=sqs, sns=FakeSns(), handler=failing_handler)

    finished = worker.deliver(message(SNS_ENVELOPE, attempt))

    assert finished is False
    assert sqs.sent == []
    assert len(sqs.visibility) == 1  # Lambda's 1- and 2-minute delays, time-scaled


def test_after_the_last_retry_lambdas_failure_record_goes_to_the_destination() -> None:
    sqs = FakeSqs()
    worker = FunctionWorker(config(), sqs=sqs, sns=FakeSns(), handler=failing_handler)

    finished = worker.deliver(message(SNS_ENVELOPE, 3))

    assert finished is True
    (sent,) = sqs.sent
    assert sent["QueueUrl"].endswith("/precis-local-RecordDeadLetterQueue-Y")
    record = json.loads(sent["MessageBody"])
    assert record["version"] == "1.0"
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"] == f"{config().arn}:$LATEST"
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorType"] == "ValueError"
    assert record["requestPayload"]["Records"][0]["Sns"]["Message"] == SNS_ENVELOPE["Message"]


def test_a_dead_letter_queue_gets_the_event_with_the_error_as_attributes() -> None:
    sqs = FakeSqs()
    worker = FunctionWorker(
        config(on_failure_is_destination=False, maximum_retry_attempts=0),
        sqs=sqs,
        sns=FakeSns(),
        handler=failing_handler,
    )

    worker.deliver(message({"Records": []}, 1))

    (sent,) = sqs.sent
    assert json.loads(sent["MessageBody"]) == {"Records": []}
    assert sent["MessageAttributes"]["ErrorMessage"]["StringValue"] == "not a SageMaker notification"


def test_a_successful_invocation_finishes_the_message() -> None:
    sqs = FakeSqs()
    seen = []
    worker = FunctionWorker(
        config(), sqs=sqs, sns=FakeSns(), handler=lambda event, context: seen.append(event)
    )

    assert worker.deliver(message({"Records": []}, 1)) is True
    assert seen == [{"Records": []}]
    assert sqs.sent == [] and sqs.visibility == []


class FakeSns:
    def get_paginator(self, name: str):
        return self

    def paginate(self, TopicArn: str):  # noqa: N803 - boto3's parameter names
        return [{"Subscriptions": [{"Endpoint": config().queue_arn, "SubscriptionArn": SUBSCRIPTION}]}]


def test_the_subscription_arn_is_the_functions_own() -> None:
    worker = FunctionWorker(config(), sqs=FakeSqs(), sns=FakeSns(), handler=failing_handler)

    assert worker.subscription_arn(TOPIC) == SUBSCRIPTION


@pytest.mark.parametrize(("attempt", "real_delay"), [(1, 3), (2, 6)])
def test_retry_delays_follow_the_stacks_clock(attempt: int, real_delay: int) -> None:
    # Given a stack at 20 simulated seconds per real second and a handler that fails
    sqs = FakeSqs()
    worker = FunctionWorker(config(time_scale=20.0), sqs=sqs, sns=FakeSns(), handler=failing_handler)
    # When an attempt fails, Then the next one comes after Lambda's 1- or 2-minute delay on that clock
    worker.deliver(message(SNS_ENVELOPE, attempt))
    assert sqs.visibility == [real_delay]


def test_an_event_older_than_its_maximum_age_on_the_stacks_clock_is_not_invoked() -> None:
    # Given an event sent 100 real seconds ago, at 60 simulated seconds per real second (6000 s), to a
    # function whose events may wait an hour
    sqs = FakeSqs()
    seen = []
    worker = FunctionWorker(
        config(time_scale=60.0, maximum_event_age_seconds=3600),
        sqs=sqs,
        sns=FakeSns(),
        handler=lambda event, context: seen.append(event),
    )
    old = message({"Records": []}, 1)
    old["Attributes"]["SentTimestamp"] = str(int((time.time() - 100) * 1000))
    # When it is delivered, Then the handler never sees it and the destination says why
    assert worker.deliver(old) is True
    assert seen == []
    assert json.loads(sqs.sent[0]["MessageBody"])["requestContext"]["condition"] == "EventAgeExceeded"


def test_a_schedule_ticks_on_the_stacks_clock() -> None:
    # Given a 15-minute schedule on a stack at 9000 simulated seconds per real second (0.1 s real)
    sqs = FakeSqs()
    schedule = {"rate_seconds": 900, "rule_arn": "arn:aws:events:us-east-1:123456789012:rule/r"}
    worker = FunctionWorker(config(time_scale=9000.0), sqs=sqs, sns=FakeSns(), handler=failing_handler)
    worker.queue_url = "http://127.0.0.1:1/123456789012/events"
    ticking = threading.Thread(target=worker._tick, args=(schedule,))
    # When half a real second passes
    ticking.start()
    time.sleep(0.55)
    worker.stopping.set()
    ticking.join()
    # Then about five scheduled events were sent, not none
    events = [json.loads(sent["MessageBody"]) for sent in sqs.sent]
    assert 3 <= len(events) <= 6
    assert {event["detail-type"] for event in events} == {"Scheduled Event"}


def test_a_batch_that_outlasts_the_visibility_timeout_is_not_delivered_twice(monkeypatch) -> None:
    # Given an event queue whose visibility timeout is 1 s (a fast clock), two messages in it, and a
    # handler that takes 1.5 s for each
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="events", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
        for number in range(2):
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Records": [], "n": number}))
        seen: list[int] = []
        stolen: list[dict] = []

        def steal() -> None:  # another execution environment polling the same queue meanwhile
            while not worker.stopping.is_set():
                stolen.extend(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []))
                time.sleep(0.1)

        thief = threading.Thread(target=steal)

        def slow(event, context) -> None:
            if not seen:
                thief.start()  # once the worker holds the batch
            seen.append(event["n"])
            time.sleep(1.5)

        worker = FunctionWorker(
            config(queue_name="events", visibility_timeout_seconds=1), sqs=sqs, sns=FakeSns(), handler=slow
        )
        worker.queue_url = url
        keeping = threading.Thread(target=worker.held.keep_invisible, args=(worker.stopping,))
        keeping.start()
        # When the worker works through the batch
        try:
            received = worker.poll_once()
        finally:
            worker.stopping.set()
            keeping.join()
            thief.join()
        # Then it kept both messages to itself for the whole three seconds, and deleted them after
        assert received == 2 and sorted(seen) == [0, 1]
        assert stolen == []
        assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []


def test_a_worker_rides_out_an_event_queue_it_cannot_read_and_goes_on(monkeypatch, capsys) -> None:
    # Given a worker whose event queue is unreachable once (moto restarting, a long poll cut by a sleep),
    # then gone once (moto's server created it again), then holds one message
    monkeypatch.setattr("precis.local.lambda_runtime.worker._REPOLL_SECONDS", 0.01)
    delivered: list[dict] = []

    class FlakySqs(FakeSqs):
        polls = 0
        lookups = 0
        deleted: list[dict] = []

        def get_queue_url(self, QueueName: str) -> dict:  # noqa: N803 - boto3's parameter names
            self.lookups += 1
            return super().get_queue_url(QueueName)

        def receive_message(self, **request) -> dict:
            self.polls += 1
            if self.polls == 1:
                raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
            if self.polls == 2:
                error = {"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue", "Message": "gone"}}
                raise ClientError(error, "ReceiveMessage")
            if self.polls == 3:
                return {"Messages": [message({"Records": []}, 1)]}
            worker.stopping.set()
            return {}

        def delete_message_batch(self, **request) -> dict:
            self.deleted += request["Entries"]
            return {}

    sqs = FlakySqs()
    worker = FunctionWorker(
        config(), sqs=sqs, sns=FakeSns(), handler=lambda event, _: delivered.append(event)
    )

    # When it runs
    worker.run()

    # Then it polled on, looked the queue up again once it was gone, and handled the message, once
    assert delivered == [{"Records": []}] and len(sqs.deleted) == 1
    assert sqs.lookups == 2
    errors = capsys.readouterr().err
    assert "event queue: EndpointConnectionError" in errors and "NonExistentQueue" in errors

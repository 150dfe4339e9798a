"""The local functions keep Lambda's async-invocation semantics: retries, then the on-failure destination."""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = pytest.mark.integration


def test_a_handler_error_is_retried_then_sent_to_the_on_failure_destination(pipeline) -> None:
    # Given a message on the success topic that is not a SageMaker notification
    stack = pipeline.stack
    marker = f"not-a-sagemaker-notification-{uuid.uuid4()}"
    sqs = stack.client("sqs")
    dead_letters = sqs.get_queue_url(QueueName=stack.stack.get_att("RecordDeadLetterQueue", "QueueName"))[
        "QueueUrl"
    ]

    # When it is published
    stack.client("sns").publish(
        TopicArn=stack.outputs["SuccessTopicArn"], Message=json.dumps({"hello": marker})
    )

    # Then RecordFunction fails three times (two retries) and Lambda's failure record reaches its destination
    def destination_record():
        messages = sqs.receive_message(QueueUrl=dead_letters, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in messages.get("Messages", []):
            if marker in message["Body"]:
                return json.loads(message["Body"])
        return None

    record = pipeline.wait_until(destination_record, "the on-failure destination record")
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].startswith(stack.stack.get_att("RecordFunction", "Arn"))
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"]
    sns = record["requestPayload"]["Records"][0]
    assert sns["EventSource"] == "aws:sns"
    assert sns["Sns"]["TopicArn"] == stack.outputs["SuccessTopicArn"]
    assert marker in sns["Sns"]["Message"]


def test_the_scheduled_function_runs_on_its_time_scaled_rate(pipeline) -> None:
    # Given ReconcileFunction's rate() schedule (15 simulated minutes, seconds at the test's time scale)
    log = pipeline.stack.log_dir / "ReconcileFunction.log"

    # When the schedule fires
    invocations = pipeline.wait_until(
        lambda: [line for line in log.read_text().splitlines() if line.startswith("REPORT RequestId")],
        "a scheduled invocation of ReconcileFunction",
    )

    # Then the handler ran to the end without an error
    assert invocations
    assert '"errorType"' not in log.read_text()

"""The events and records Lambda builds around a function: what its handler receives for an SQS-delivered
S3 notification or SNS message and for a schedule, and what its on-failure destination gets."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime


def lambda_event(body: str, subscription_arn: Callable[[str], str]) -> dict:
    """The event Lambda passes for one message of the event queue.

    S3 notifications (and moto's s3:TestEvent) arrive as the S3 event itself. SNS deliveries arrive
    in SNS's SQS envelope; Lambda's SNS event carries the same fields under `Sns`, with the
    certificate and unsubscribe URLs spelled `...Url`, and attributes as {Type, Value}.
    """
    message = json.loads(body)
    if message.get("Type") != "Notification" or "TopicArn" not in message:
        return message
    sns = {
        "Type": "Notification",
        "MessageId": message["MessageId"],
        "TopicArn": message["TopicArn"],
        "Subject": message.get("Subject"),
        "Message": message["Message"],
        "Timestamp": message["Timestamp"],
        "SignatureVersion": message.get("SignatureVersion", "1"),
        "Signature": message.get("Signature", ""),
        "SigningCertUrl": message.get("SigningCertURL", ""),
        "UnsubscribeUrl": message.get("UnsubscribeURL", ""),
        "MessageAttributes": {
            name: {"Type": value.get("Type"), "Value": value.get("Value")}
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn(message["TopicArn"]),
                "Sns": sns,
            }
        ]
    }


def scheduled_event(schedule: dict, account_id: str, region: str) -> dict:
    """The EventBridge 'Scheduled Event' Lambda receives from a Schedule event source."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [schedule["rule_arn"]],
        "detail": {},
    }


def failure_record(
    function_arn: str, event: dict, request_id: str, attempts: int, condition: str, error: dict | None
) -> dict:
    """Lambda's on-failure destination record for an asynchronous invocation."""
    record = {
        "version": "1.0",
        "timestamp": _now(),
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
    }
    if error is not None:
        record["responseContext"]["functionError"] = "Unhandled"
        record["responsePayload"] = error
    return record


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

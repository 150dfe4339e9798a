"""The events the template's functions receive, shaped as the services send them (`generate-event`).

- `s3_put`: S3's `ObjectCreated:Put` notification (event structure 2.1), the key URL-encoded as S3
  encodes it (spaces as `+`, `quote_plus`), with the object's size, ETag and version when known;
- `sagemaker_notification`: the async endpoint's `InferenceResult` message (success or error) in the
  event Lambda builds for an SNS subscription (`precis.local.lambda_runtime.lambda_event`, the same
  conversion the local stack's workers use);
- `schedule`: EventBridge's `Scheduled Event` for a rule (`precis.local.lambda_runtime.scheduled_event`);
- `stream_completion`: the summaries table's stream record of a document's COMPLETED write, read from the
  local stack's stream, in the batch Lambda's DynamoDB event source hands AnalyticsFunction.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from precis.local.lambda_runtime import lambda_event, scheduled_event
from precis.local.stream_source import lambda_record

PLACEHOLDER_ETAG = "0123456789abcdef0123456789abcdef"
SIGNING_CERT_URL = "https://sns.{region}.amazonaws.com/SimpleNotificationService-{digest}.pem"


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    size: int = 1024
    etag: str = PLACEHOLDER_ETAG
    version_id: str | None = None


def s3_put(obj: S3Object, region: str, *, partition: str = "aws", configuration_id: str = "") -> dict:
    """One `ObjectCreated:Put` record, as S3 delivers it to Lambda."""
    s3_object: dict = {"key": quote_plus(obj.key, safe="/"), "size": obj.size, "eTag": obj.etag}
    if obj.version_id:
        s3_object["versionId"] = obj.version_id
    s3_object["sequencer"] = f"{int(datetime.now(UTC).timestamp() * 1000):016X}"
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": _now(),
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLEUSERID"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": secrets.token_hex(8).upper(),
                    "x-amz-id-2": secrets.token_urlsafe(48),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": configuration_id or str(uuid.uuid4()),
                    "bucket": {
                        "name": obj.bucket,
                        "ownerIdentity": {"principalId": "A3EXAMPLEOWNER"},
                        "arn": f"arn:{partition}:s3:::{obj.bucket}",
                    },
                    "object": s3_object,
                },
            }
        ]
    }


@dataclass(frozen=True)
class InferenceResult:
    """What SageMaker says about one async request: where its input was and where its result went."""

    inference_id: str
    endpoint_name: str
    input_location: str
    output_location: str | None = None
    failure_location: str | None = None
    failure_reason: str | None = None
    content_type: str = "text/plain"

    @property
    def succeeded(self) -> bool:
        return self.failure_reason is None


def sagemaker_notification(result: InferenceResult, topic_arn: str, region: str) -> dict:
    """SageMaker's InferenceResult message on the success or error topic, as Lambda receives it from SNS."""
    message: dict = {
        "awsRegion": region,
        "eventTime": _now(),
        "receivedTime": _now(),
        "invocationStatus": "Completed" if result.succeeded else "Failed",
        "requestParameters": {
            "contentType": result.content_type,
            "endpointName": result.endpoint_name,
            "inputLocation": result.input_location,
        },
        "inferenceId": result.inference_id,
        "eventVersion": "1.0",
        "eventSource": "aws:sagemaker",
        "eventName": "InferenceResult",
    }
    if result.succeeded:
        message["responseParameters"] = {
            "contentType": "application/json",
            "outputLocation": result.output_location,
        }
    else:
        message["failureReason"] = result.failure_reason
        message["failureLocation"] = result.failure_location
    subscription_arn = f"{topic_arn}:{uuid.uuid4()}"
    envelope = {  # SNS's delivery of the message (its SQS/HTTP form), which Lambda's SNS event mirrors
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": topic_arn,
        "Message": json.dumps(message),
        "Timestamp": _now(),
        "SignatureVersion": "1",
        "Signature": secrets.token_urlsafe(128),
        "SigningCertURL": SIGNING_CERT_URL.format(region=region, digest=secrets.token_hex(16)),
        "UnsubscribeURL": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
    }
    return lambda_event(json.dumps(envelope), lambda _topic: subscription_arn)


def schedule(rule_arn: str, account_id: str, region: str) -> dict:
    """The EventBridge `Scheduled Event` a Schedule event source delivers."""
    return scheduled_event({"rule_arn": rule_arn}, account_id, region)


def stream_completion(streams: Any, stream_arn: str, document: str) -> dict | None:
    """The newest record of the stream that made `document` COMPLETED, as Lambda's DynamoDB event
    carries it (one record in `Records`), or None when the stream holds none (24 h retention)."""
    found = None
    shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    for shard in shards:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                change = record["dynamodb"]
                new = change.get("NewImage", {})
                if change["Keys"]["document_id"]["S"] == document and new.get("status") == {"S": "COMPLETED"}:
                    found = record
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return {"Records": [lambda_record(found, stream_arn)]} if found else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

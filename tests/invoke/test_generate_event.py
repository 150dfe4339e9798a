"""`generate-event`: the events have the shape of the events/ files, and the handlers' parsers read them."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools.utilities.data_classes import S3Event, SNSEvent
from moto import mock_aws
from precis_core.domain.notifications import parse_notification
from precis_core.services.submit import article_refs

from precis.local.invoke import events

EVENTS = Path(__file__).parents[2] / "events"


def shape(value: object) -> object:
    """The keys (recursively) and the value types of a JSON document."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__


def test_s3_put_has_the_shape_s3_sends_and_encodes_the_key_as_s3_does() -> None:
    key = "incoming/finance/Q3 résumé report.txt"
    event = events.s3_put(events.S3Object("bucket", key, 1843, "0f34", "v1"), "us-east-1")
    assert shape(event) == shape(json.loads((EVENTS / "s3-put.json").read_text()))
    assert event["Records"][0]["s3"]["object"]["key"] == "incoming/finance/Q3+r%C3%A9sum%C3%A9+report.txt"
    (ref,) = article_refs(S3Event(event))
    assert (ref.bucket, ref.key, ref.version_id, ref.etag, ref.size) == ("bucket", key, "v1", "0f34", 1843)


def test_an_unversioned_object_has_no_version_id() -> None:
    event = events.s3_put(events.S3Object("bucket", "incoming/a+b.txt"), "eu-west-1")
    record = event["Records"][0]
    assert "versionId" not in record["s3"]["object"]
    assert record["s3"]["object"]["key"] == "incoming/a%2Bb.txt"
    assert unquote_plus(record["s3"]["object"]["key"]) == "incoming/a+b.txt"
    assert record["awsRegion"] == "eu-west-1"


def _result(reason: str | None = None) -> events.InferenceResult:
    return events.InferenceResult(
        inference_id="doc-2",
        endpoint_name="precis-summarizer-g4dn-xlarge",
        input_location="s3://in/incoming/a.txt",
        output_location="s3://out/async-output/doc-2.out",
        failure_location="s3://out/async-failures/doc-2-error.out" if reason else None,
        failure_reason=reason,
    )


def test_sns_success_has_the_shape_lambda_receives_and_parses_as_a_notification() -> None:
    topic = "arn:aws:sns:us-east-1:123456789012:precis-success"
    event = events.sagemaker_notification(_result(), topic, "us-east-1")
    expected = json.loads((EVENTS / "sns-success.json").read_text())
    assert shape(event) == shape(expected)
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    assert shape(message) == shape(json.loads(expected["Records"][0]["Sns"]["Message"]))
    (record,) = SNSEvent(event).records
    notification = parse_notification(record.sns.message)
    assert (notification.succeeded, notification.inference_id) == (True, "doc-2")
    assert notification.output_location == "s3://out/async-output/doc-2.out"
    assert record.event_subscription_arn.startswith(f"{topic}:")


def test_sns_error_carries_the_reason_and_the_failure_location() -> None:
    topic = "arn:aws:sns:us-east-1:123456789012:precis-error"
    event = events.sagemaker_notification(_result("ModelError: too short"), topic, "us-east-1")
    expected = json.loads((EVENTS / "sns-error.json").read_text())
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    assert set(message) == set(json.loads(expected["Records"][0]["Sns"]["Message"]))
    notification = parse_notification(event["Records"][0]["Sns"]["Message"])
    assert not notification.succeeded
    assert notification.failure_reason == "ModelError: too short"
    assert notification.failure_location == "s3://out/async-failures/doc-2-error.out"


def test_schedule_has_the_shape_eventbridge_sends() -> None:
    rule = "arn:aws:events:us-east-1:123456789012:rule/precis-ReconcileFunctionSchedule"
    event = events.schedule(rule, "123456789012", "us-east-1")
    assert shape(event) == shape(json.loads((EVENTS / "schedule.json").read_text()))
    assert event["resources"] == [rule]
    assert event["detail-type"] == "Scheduled Event"


def test_dynamodb_completed_is_the_streams_record_of_the_completed_write_as_lambda_carries_it() -> None:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        table = dynamodb.create_table(
            TableName="summaries",
            KeySchema=[{"AttributeName": "document_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "document_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]
        for document, status in (("doc", "QUEUED"), ("other", "COMPLETED"), ("doc", "COMPLETED")):
            dynamodb.put_item(
                TableName="summaries", Item={"document_id": {"S": document}, "status": {"S": status}}
            )
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")

        event = events.stream_completion(streams, table["LatestStreamArn"], "doc")
        assert event is not None
        (record,) = event["Records"]
        expected = json.loads((EVENTS / "dynamodb-completed.json").read_text())["Records"][0]
        assert set(record) == set(expected) and record["eventSourceARN"] == table["LatestStreamArn"]
        assert record["dynamodb"]["NewImage"] == {"document_id": {"S": "doc"}, "status": {"S": "COMPLETED"}}
        assert record["dynamodb"]["OldImage"]["status"] == {"S": "QUEUED"}
        assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
        assert events.stream_completion(streams, table["LatestStreamArn"], "never") is None

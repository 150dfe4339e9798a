"""SageMaker's async inference notifications, parsed from the SNS messages in events/."""

from __future__ import annotations

import json
from urllib.parse import unquote_plus

import pytest
from precis_core.domain.ids import document_id, inference_id
from precis_core.domain.models import MalformedNotification
from precis_core.domain.notifications import parse_notification


def message(events, name: str) -> dict:
    return json.loads(events(name)["Records"][0]["Sns"]["Message"])


def test_the_success_message_names_the_inference_and_its_output(events):
    raw = message(events, "sns-success.json")
    notification = parse_notification(json.dumps(raw))
    assert notification.succeeded is True
    assert notification.inference_id == raw["inferenceId"]
    assert notification.output_location == raw["responseParameters"]["outputLocation"]
    assert notification.input_location == raw["requestParameters"]["inputLocation"]


def test_the_error_message_carries_the_reason_and_the_failure_location(events):
    raw = message(events, "sns-error.json")
    notification = parse_notification(json.dumps(raw))
    assert notification.succeeded is False
    assert notification.failure_reason == raw["failureReason"]
    assert notification.failure_location == raw["failureLocation"]


def test_the_failure_location_is_optional_and_also_read_under_response_parameters(events):
    raw = message(events, "sns-error.json")
    location = raw.pop("failureLocation")
    assert parse_notification(json.dumps(raw)).failure_location is None
    raw["responseParameters"] = {"failureLocation": location}
    assert parse_notification(json.dumps(raw)).failure_location == location


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"invocationStatus": "Pending", "inferenceId": "x"}), "not a SageMaker async inference"),
        (json.dumps({"invocationStatus": "Completed"}), "not a SageMaker async inference"),
        (json.dumps({"invocationStatus": "Completed", "inferenceId": "x"}), "has no outputLocation"),
    ],
)
def test_anything_else_is_malformed(text, complaint):
    with pytest.raises(MalformedNotification, match=complaint):
        parse_notification(text)


def test_the_event_files_describe_one_article(events):
    # The notifications answer the request the S3 put in events/ makes (the first attempt).
    put = events("s3-put.json")["Records"][0]["s3"]
    key = unquote_plus(put["object"]["key"])
    expected = inference_id(document_id(put["bucket"]["name"], key, put["object"]["versionId"]), 1)
    for name in ("sns-success.json", "sns-error.json"):
        raw = message(events, name)
        assert raw["inferenceId"] == expected
        assert raw["requestParameters"]["inputLocation"] == f"s3://{put['bucket']['name']}/{key}"

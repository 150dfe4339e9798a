"""RecordFunction, invoked as Lambda invokes it, on events/sns-success.json and events/sns-error.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from precis_core.ids import elapsed_ms, parse_inference_id, timestamp
from precis_core.models import (
    Dispatch,
    MalformedNotification,
    ResultMissing,
    S3Location,
    Status,
    SummaryRecord,
)
from precis_core.record import RecordService
from precis_core.results import InferenceOutputs

OUTPUT = {
    "summary": "The central bank raised its rate by a quarter point.",
    "model": "google/pegasus-cnn_dailymail",
    "engine": "transformers",
    "words_in": 1843,
    "words_out": 10,
    "chunks": 3,
    "elapsed_ms": 41250,
}
FAILURE_BODY = {"code": 400, "type": "InternalServerException", "message": "the article has no sentences"}


def message_of(event) -> dict:
    return json.loads(event["Records"][0]["Sns"]["Message"])


def with_message(event, **changes) -> dict:
    """The event with fields of its SageMaker message changed."""
    message = {**message_of(event), **changes}
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def put_json(s3, location: str, payload) -> None:
    target = S3Location.parse(location)
    s3.put_object(Bucket=target.bucket, Key=target.key, Body=json.dumps(payload).encode())


@pytest.fixture
def queued(store, events):
    """The QUEUED record the notifications in events/ belong to, submitted two minutes ago."""
    message = message_of(events("sns-success.json"))
    document, attempt = parse_inference_id(message["inferenceId"])
    submitted = timestamp(datetime.now(UTC) - timedelta(minutes=2))
    record = SummaryRecord(
        document_id=document,
        status=Status.QUEUED,
        inference_id=message["inferenceId"],
        attempt=attempt,
        input_location=message["requestParameters"]["inputLocation"],
        collection="finance",
        submitted_at=submitted,
        title="Q3 résumé report",
        content_type="text/plain",
        bytes=1843,
        dispatch=Dispatch.SENT,
        attempts=[{"inference_id": message["inferenceId"], "status": "QUEUED", "submitted_at": submitted}],
    )
    assert store.put_queued(record)
    return record


@pytest.fixture
def success(events, s3):
    """events/sns-success.json, with the inference script's output at its outputLocation."""
    event = events("sns-success.json")
    put_json(s3, message_of(event)["responseParameters"]["outputLocation"], OUTPUT)
    return event


@pytest.fixture
def error(events, s3):
    """events/sns-error.json, with the model server's failure body at its failureLocation."""
    event = events("sns-error.json")
    put_json(s3, message_of(event)["failureLocation"], FAILURE_BODY)
    return event


def test_a_success_notification_completes_the_record_with_the_summary(
    record_handler, queued, success, store, lambda_context
):
    response = record_handler(success, lambda_context)
    record = store.get(queued.document_id)
    assert response["results"][0]["outcome"] == "completed"
    assert record.status is Status.COMPLETED
    assert record.summary == OUTPUT["summary"]
    assert (record.model, record.engine, record.words_in, record.words_out, record.chunks) == (
        "google/pegasus-cnn_dailymail",
        "transformers",
        1843,
        10,
        3,
    )
    assert record.output_location == message_of(success)["responseParameters"]["outputLocation"]
    assert record.latency_ms == elapsed_ms(record.submitted_at, record.completed_at) >= 120_000
    assert record.attempts[0]["status"] == "COMPLETED"
    assert record.attempts[0]["completed_at"] == record.completed_at


def test_an_error_notification_fails_the_record_with_the_failure_objects_reason(
    record_handler, queued, error, store, lambda_context
):
    response = record_handler(error, lambda_context)
    record = store.get(queued.document_id)
    assert response["results"][0]["outcome"] == "failed"
    assert record.status is Status.FAILED
    assert record.failure_reason == "the article has no sentences"
    assert record.failure_location == message_of(error)["failureLocation"]
    assert record.latency_ms >= 120_000 and record.attempts[0]["failure_reason"] == record.failure_reason


def test_without_a_failure_object_the_reason_is_sagemakers_failure_reason(
    record_handler, queued, events, store, lambda_context
):
    event = with_message(events("sns-error.json"), failureLocation=None)
    record_handler(event, lambda_context)
    record = store.get(queued.document_id)
    assert record.status is Status.FAILED
    assert record.failure_reason == message_of(event)["failureReason"]


def test_a_duplicate_success_changes_nothing(record_handler, queued, success, store, lambda_context):
    record_handler(success, lambda_context)
    first = store.get(queued.document_id)
    response = record_handler(success, lambda_context)
    assert response["results"][0]["outcome"] == "duplicate"
    assert store.get(queued.document_id) == first


def test_an_error_after_success_changes_nothing(
    record_handler, queued, success, error, store, lambda_context
):
    record_handler(success, lambda_context)
    completed = store.get(queued.document_id)
    response = record_handler(error, lambda_context)
    assert response["results"][0]["outcome"] == "out_of_order"
    assert store.get(queued.document_id) == completed


def test_a_success_after_error_changes_nothing(record_handler, queued, success, error, store, lambda_context):
    record_handler(error, lambda_context)
    failed = store.get(queued.document_id)
    response = record_handler(success, lambda_context)
    assert response["results"][0]["outcome"] == "out_of_order"
    assert store.get(queued.document_id) == failed


def test_a_notification_for_an_earlier_attempt_changes_nothing(
    record_handler, queued, success, store, lambda_context
):
    # Given the document was retried as attempt 2 before attempt 1's notification arrived
    store.fail(
        queued.document_id,
        queued.inference_id,
        reason="x",
        completed_at=timestamp(),
        latency_ms=1,
        attempts=[],
    )
    assert store.requeue(
        queued.document_id,
        expected_inference_id=queued.inference_id,
        new_inference_id=f"{queued.document_id}-2",
        attempt=2,
        submitted_at=timestamp(),
        attempts=[],
        dispatch_until=timestamp(),
    )
    response = record_handler(success, lambda_context)
    record = store.get(queued.document_id)
    assert response["results"][0]["outcome"] == "out_of_order"
    assert (record.status, record.inference_id) == (Status.QUEUED, f"{queued.document_id}-2")


@pytest.mark.parametrize("inference_id", ["0123456789abcdef0123456789abcdef-1", "a-uuid-sagemaker-made"])
def test_an_unknown_inference_id_changes_nothing(
    record_handler, success, store, lambda_context, inference_id
):
    event = with_message(success, inferenceId=inference_id)
    response = record_handler(event, lambda_context)
    assert response["results"][0]["outcome"] == "unknown"
    assert store.get("0123456789abcdef0123456789abcdef") is None


def test_a_list_output_is_joined_into_one_summary(record_handler, queued, success, s3, store, lambda_context):
    second = {**OUTPUT, "summary": "Markets fell.", "words_in": 100, "words_out": 3, "chunks": 1}
    put_json(s3, message_of(success)["responseParameters"]["outputLocation"], [OUTPUT, second])
    record_handler(success, lambda_context)
    record = store.get(queued.document_id)
    assert record.summary == OUTPUT["summary"] + "\n\nMarkets fell."
    assert (record.words_in, record.words_out, record.chunks) == (1943, 13, 4)


def test_an_unreadable_output_fails_the_record_with_the_reason(
    record_handler, queued, success, s3, store, lambda_context
):
    put_json(s3, message_of(success)["responseParameters"]["outputLocation"], {"summary": "no numbers"})
    response = record_handler(success, lambda_context)
    record = store.get(queued.document_id)
    assert response["results"][0]["outcome"] == "failed"
    assert record.failure_reason.startswith("the endpoint's output is unreadable: the output lacks a field")


def test_a_missing_output_object_raises_so_lambda_retries(
    record_handler, queued, events, s3, store, lambda_context
):
    with pytest.raises(ResultMissing):
        record_handler(events("sns-success.json"), lambda_context)
    assert store.get(queued.document_id).status is Status.QUEUED


def test_a_message_that_is_not_a_sagemaker_notification_raises(record_handler, success, lambda_context):
    success["Records"][0]["Sns"]["Message"] = json.dumps({"AlarmName": "not ours"})
    with pytest.raises(MalformedNotification, match="not a SageMaker async inference notification"):
        record_handler(success, lambda_context)


def test_the_record_service_fails_a_lost_notification_for_the_reconciler(queued, store, s3):
    service = RecordService(store, InferenceOutputs(s3))
    result = service.fail(queued.inference_id, "lost notification: no output after the request TTL")
    assert (result.outcome, result.status) == ("failed", Status.FAILED)
    assert (
        store.get(queued.document_id).failure_reason == "lost notification: no output after the request TTL"
    )

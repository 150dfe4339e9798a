"""RecordFunction, invoked as Lambda invokes it, on events/sns-success.json and events/sns-error.json."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from precis_core.adapters.inference_outputs import InferenceOutputs, ResultPaths
from precis_core.domain.about import MAX_ENTITIES, MAX_KEY_PHRASES
from precis_core.domain.function_settings import RecordSettings
from precis_core.domain.ids import elapsed_ms, parse_inference_id, timestamp
from precis_core.domain.models import (
    Dispatch,
    DispatchPending,
    MalformedNotification,
    ResultMissing,
    S3Location,
    Status,
    SummaryRecord,
)
from precis_core.domain.record_bounds import MAX_SUMMARY_BYTES
from precis_core.services.record import RecordService

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
    """The QUEUED record the notifications in events/ belong to, submitted two minutes ago, with the
    locations InvokeEndpointAsync gave its inference (stored by the submit function)."""
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
        output_location=message["responseParameters"]["outputLocation"],
        failure_location=message_of(events("sns-error.json"))["failureLocation"],
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


def test_the_record_service_fails_a_lost_notification_for_the_reconciler(queued, store, s3, events):
    settings = RecordSettings.from_env(events("env.json")["RecordFunction"])
    service = RecordService(
        store, InferenceOutputs(s3), ResultPaths(settings.output_path, settings.failure_path)
    )
    result = service.fail(queued.inference_id, "lost notification: no output after the request TTL")
    assert (result.outcome, result.status) == ("failed", Status.FAILED)
    assert (
        store.get(queued.document_id).failure_reason == "lost notification: no output after the request TTL"
    )


def other_document(store, queued, s3, output_location: str) -> SummaryRecord:
    """A second QUEUED document whose inference the endpoint accepted with its own output location."""
    other = replace(
        queued,
        document_id="f" * 32,
        inference_id=f"{'f' * 32}-1",
        output_location=output_location,
        failure_location=None,
        attempts=[],
    )
    assert store.put_queued(other)
    put_json(s3, output_location, {**OUTPUT, "summary": "The other document's summary."})
    return other


def test_a_success_naming_another_documents_output_changes_nothing(
    record_handler, queued, success, s3, store, lambda_context, capsys
):
    # Given a second document with its own output, and a message carrying the first one's inference
    # id but the second one's output location (misrouted, or forged)
    bucket = S3Location.parse(queued.output_location).bucket
    other = other_document(store, queued, s3, f"s3://{bucket}/async-output/{'f' * 32}-1.out")
    misrouted = with_message(
        success,
        responseParameters={"contentType": "application/json", "outputLocation": other.output_location},
    )

    # When it is delivered
    response = record_handler(misrouted, lambda_context)

    # Then neither record takes the other's summary: the message is counted as untrusted and logged
    assert response["results"][0]["outcome"] == "untrusted"
    assert store.get(queued.document_id) == queued
    assert store.get(other.document_id) == other
    assert '"UntrustedNotifications":[1.0]' in capsys.readouterr().out


def test_a_location_outside_the_endpoints_output_path_is_never_read(
    record_handler, queued, success, s3, store, lambda_context, caplog
):
    # Given a record whose stored location was tampered with to point outside async-output/
    outside = "s3://precis-input-123456789012-us-east-1/incoming/finance/forged.out\n\x1b[31m"
    store._client.update_item(
        TableName=store.table_name,
        Key={"document_id": {"S": queued.document_id}},
        UpdateExpression="SET output_location = :o",
        ExpressionAttributeValues={":o": {"S": outside}},
    )
    forged = with_message(
        success, responseParameters={"contentType": "application/json", "outputLocation": outside}
    )

    response = record_handler(forged, lambda_context)

    assert response["results"][0]["outcome"] == "untrusted"
    assert store.get(queued.document_id).status is Status.QUEUED
    # The log line is Powertools' JSON: the location's newline and escape sequence arrive escaped
    [warning] = [r for r in caplog.records if r.getMessage().endswith("untrusted location")]
    logged = LambdaPowertoolsFormatter().format(warning)
    assert "forged.out\\n\\u001b[31m" in logged and "\x1b" not in logged and "\n" not in logged


def test_an_error_naming_another_failure_location_changes_nothing(
    record_handler, queued, error, store, lambda_context
):
    elsewhere = queued.failure_location.replace(queued.inference_id, f"{'f' * 32}-1")
    forged = with_message(error, failureLocation=elsewhere)

    response = record_handler(forged, lambda_context)

    assert response["results"][0]["outcome"] == "untrusted"
    assert store.get(queued.document_id) == queued


def test_an_error_without_a_failure_location_reads_the_stored_one(
    record_handler, queued, error, store, lambda_context
):
    # failureLocation is optional in SageMaker's message: the reason comes from this inference's own object
    response = record_handler(with_message(error, failureLocation=None), lambda_context)

    assert response["results"][0]["outcome"] == "failed"
    assert store.get(queued.document_id).failure_reason == FAILURE_BODY["message"]


def test_a_notification_faster_than_its_submit_is_retried_until_the_location_is_stored(
    record_handler, queued, success, store, lambda_context
):
    # Given a record still being dispatched: the endpoint answered, the submit has not stored where yet
    store._client.update_item(
        TableName=store.table_name,
        Key={"document_id": {"S": queued.document_id}},
        UpdateExpression="SET dispatch = :claimed REMOVE output_location, failure_location",
        ExpressionAttributeValues={":claimed": {"S": Dispatch.CLAIMED.value}},
    )

    # When the success notification arrives first, it raises so Lambda delivers it again later
    with pytest.raises(DispatchPending):
        record_handler(success, lambda_context)
    assert store.get(queued.document_id).status is Status.QUEUED

    # And once the submit has stored the location, the redelivery completes the record
    location = message_of(success)["responseParameters"]["outputLocation"]
    assert store.mark_sent(queued.document_id, queued.inference_id, location, queued.failure_location)
    assert record_handler(success, lambda_context)["results"][0]["outcome"] == "completed"


def test_a_result_too_long_for_a_record_completes_with_a_bounded_summary(
    record_handler, queued, success, s3, store, lambda_context
):
    # Given an output whose summaries together are far over DynamoDB's item limit (a long list request)
    many = [{**OUTPUT, "summary": "Rates rose again this quarter. " * 400} for _ in range(100)]
    put_json(s3, queued.output_location, many)

    # When its notification arrives
    response = record_handler(success, lambda_context)

    # Then the record is COMPLETED with the start of the summary, says it was cut, and points at the
    # output object, which keeps every summary
    record = store.get(queued.document_id)
    assert response["results"][0]["outcome"] == "completed"
    assert record.status is Status.COMPLETED and record.summary_truncated is True
    assert len(record.summary.encode()) <= MAX_SUMMARY_BYTES
    assert record.output_location == queued.output_location
    assert record.words_out == 100 * OUTPUT["words_out"]


def test_the_record_keeps_key_phrases_and_named_things_bounded(
    record_handler, queued, events, s3, store, lambda_context
):
    # Given an output with far more phrases and names than a record keeps, one of them malformed
    phrases = [f"phrase {n}" for n in range(40)]
    things = [{"text": "Halvorsen Grid Systems", "type": "ORG"}, {"text": "x", "type": "WEAPON"}, "junk"]
    things += [{"text": f"Person {n}", "type": "PERSON"} for n in range(60)]
    event = events("sns-success.json")
    location = message_of(event)["responseParameters"]["outputLocation"]
    put_json(s3, location, {**OUTPUT, "key_phrases": phrases, "entities": things})

    # When the notification is recorded
    record_handler(event, lambda_context)

    # Then the record has the first phrases and the well-formed names, in their order, bounded
    record = store.get(queued.document_id)
    assert record.status is Status.COMPLETED
    assert record.key_phrases == phrases[:MAX_KEY_PHRASES]
    assert record.entities[0] == {"text": "Halvorsen Grid Systems", "type": "ORG"}
    assert len(record.entities) == MAX_ENTITIES
    assert {e["type"] for e in record.entities} == {"ORG", "PERSON"}

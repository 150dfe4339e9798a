"""ReconcileFunction, invoked as Lambda invokes it, on events/schedule.json with env.json's environment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.awsrequest import AWSResponse
from precis_core.adapters import clients
from precis_core.domain.ids import document_id, inference_id, timestamp
from precis_core.domain.models import Dispatch, Status, SummaryRecord

OUTPUT = {
    "summary": "What the lost article says.",
    "model": "precis-extractive",
    "engine": "extractive",
    "words_in": 900,
    "words_out": 40,
    "chunks": 2,
    "elapsed_ms": 35,
}


@pytest.fixture
def queued(store, names):
    """A QUEUED record the endpoint accepted (its output and failure locations known), submitted `age` ago."""

    def write(name: str, age: timedelta) -> SummaryRecord:
        key = f"incoming/finance/{name}.txt"
        doc = document_id(names.input_bucket, key, "v1")
        iid = inference_id(doc, 1)
        submitted = timestamp(datetime.now(UTC) - age)
        record = SummaryRecord(
            document_id=doc,
            status=Status.QUEUED,
            inference_id=iid,
            attempt=1,
            input_location=f"s3://{names.input_bucket}/{key}",
            collection="finance",
            submitted_at=submitted,
            content_type="text/plain",
            dispatch=Dispatch.CLAIMED,
            attempts=[{"inference_id": iid, "status": "QUEUED", "submitted_at": submitted}],
        )
        assert store.put_queued(record)
        assert store.mark_sent(
            doc,
            iid,
            f"s3://{names.output_bucket}/async-output/{iid}.out",
            f"s3://{names.output_bucket}/async-failures/{iid}-error.out",
        )
        return store.get(doc)

    return write


@pytest.fixture
def output_arrived(s3, names):
    """The endpoint wrote the record's output object (its notification is another matter)."""

    def write(record: SummaryRecord) -> None:
        s3.put_object(
            Bucket=names.output_bucket,
            Key=f"async-output/{record.inference_id}.out",
            Body=json.dumps(OUTPUT).encode(),
        )

    return write


def test_the_schedule_completes_a_lost_notification_and_expires_a_stale_request(
    reconcile_handler, queued, output_arrived, store, events, lambda_context
):
    # Given one request whose output arrived but whose notification was lost, and one past its TTL
    # (both older than RECONCILE_OLDER_THAN_SECONDS, 15 minutes in env.json)
    lost = queued("lost", age=timedelta(minutes=20))
    expired = queued("expired", age=timedelta(days=1))
    output_arrived(lost)

    # When the schedule fires
    report = reconcile_handler(events("schedule.json"), lambda_context)

    # Then the lost one is completed from its output and the stale one expired
    assert report["counts"]["completed"] == 1 and report["counts"]["expired"] == 1
    assert store.get(lost.document_id).status is Status.COMPLETED
    assert store.get(expired.document_id).status is Status.FAILED


def test_a_request_younger_than_the_threshold_is_not_looked_at(
    reconcile_handler, queued, output_arrived, store, events, lambda_context
):
    # Given a request with an output object, queued 5 minutes ago (the threshold is 15 minutes)
    recent = queued("recent", age=timedelta(minutes=5))
    output_arrived(recent)

    # When the schedule fires
    report = reconcile_handler(events("schedule.json"), lambda_context)

    # Then it is left to its notification
    assert sum(report["counts"].values()) == 0
    assert store.get(recent.document_id).status is Status.QUEUED


def test_on_the_local_stacks_clock_the_threshold_and_the_expiry_follow_its_time_scale(
    reconcile_handler, queued, output_arrived, store, events, lambda_context, monkeypatch
):
    # Given the stack at 60 simulated seconds per real second (precis local up --time-scale 60): env.json's
    # 15-minute threshold is 15 real seconds, and its TTL plus timeout (6h15m) 375 real seconds
    monkeypatch.setenv("PRECIS_TIME_SCALE", "60")
    lost = queued("lost", age=timedelta(seconds=20))
    output_arrived(lost)
    stale = queued("stale", age=timedelta(seconds=400))
    young = queued("young", age=timedelta(seconds=5))
    output_arrived(young)

    # When the schedule fires
    report = reconcile_handler(events("schedule.json"), lambda_context)

    # Then the lost notification is settled and the stale request expired, in the template's terms
    assert report["counts"]["completed"] == 1 and report["counts"]["expired"] == 1
    assert store.get(lost.document_id).status is Status.COMPLETED
    expired = store.get(stale.document_id)
    assert expired.status is Status.FAILED and "6h15m after submission" in expired.failure_reason
    # And the one younger than the threshold is left to its notification
    assert store.get(young.document_id).status is Status.QUEUED


def near_the_item_limit(dynamodb, store, record: SummaryRecord, size: int) -> None:
    """Make the record `size` bytes of title long, as something that did not bound it might have."""
    dynamodb.update_item(
        TableName=store.table_name,
        Key={"document_id": {"S": record.document_id}},
        UpdateExpression="SET title = :t",
        ExpressionAttributeValues={":t": {"S": "t" * size}},
    )


class RefusedHead:
    """S3 answering HeadObject on one key with 403, below botocore's retries (at `before-send`)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, request, **_):
        if request.method == "HEAD" and request.url.endswith(self.key):
            return AWSResponse(request.url, 403, {}, _EmptyBody())
        return None


class _EmptyBody:
    def stream(self, **_):
        yield b""


def test_a_poison_record_is_failed_with_the_reason_and_the_run_goes_on(
    reconcile_handler, queued, output_arrived, store, dynamodb, s3, names, events, lambda_context
):
    # Given three lost notifications, the middle record too close to DynamoDB's item limit for its summary
    first, poison, last = (queued(name, age=timedelta(minutes=20)) for name in ("first", "poison", "last"))
    for record in (first, poison, last):
        output_arrived(record)
    near_the_item_limit(dynamodb, store, poison, 395_000)
    bulky = json.dumps({**OUTPUT, "summary": "word " * 8_000}).encode()
    s3.put_object(Bucket=names.output_bucket, Key=f"async-output/{poison.inference_id}.out", Body=bulky)

    # When the schedule fires
    report = reconcile_handler(events("schedule.json"), lambda_context)

    # Then the others complete, and the poison record is FAILED saying why and where its result is
    assert store.get(first.document_id).status is Status.COMPLETED
    assert store.get(last.document_id).status is Status.COMPLETED
    failed = store.get(poison.document_id)
    assert failed.status is Status.FAILED
    assert failed.failure_reason.startswith("the summary could not be stored (")
    assert failed.failure_reason.endswith(f"the full result is at {poison.output_location}")
    assert report["counts"]["completed"] == 2 and report["counts"]["failed"] == 1


def test_a_record_that_cannot_be_written_at_all_is_counted_and_the_run_goes_on(
    reconcile_handler, queued, output_arrived, store, dynamodb, events, lambda_context
):
    # Given a lost notification whose record has no room left even for a failure reason
    stuck, fine = queued("stuck", age=timedelta(minutes=20)), queued("fine", age=timedelta(minutes=20))
    for record in (stuck, fine):
        output_arrived(record)
    near_the_item_limit(dynamodb, store, stuck, 404_200)

    report = reconcile_handler(events("schedule.json"), lambda_context)

    # Then the other record is settled and the report names the one it could not write
    assert store.get(fine.document_id).status is Status.COMPLETED
    assert store.get(stuck.document_id).status is Status.QUEUED
    assert report["counts"]["error"] == 1 and report["counts"]["completed"] == 1
    [problem] = report["errors"]
    assert problem["document_id"] == stuck.document_id and problem["error"].startswith("RecordRejected: ")


def test_an_error_checking_one_record_is_noted_on_it_and_the_run_goes_on(
    reconcile_handler, queued, output_arrived, store, events, lambda_context
):
    # Given two lost notifications, S3 refusing to say whether one of the outputs exists
    refused, fine = queued("refused", age=timedelta(minutes=20)), queued("fine", age=timedelta(minutes=20))
    for record in (refused, fine):
        output_arrived(record)
    s3_events = clients.aws_client("s3").meta.events
    s3_events.register_first("before-send.s3.HeadObject", RefusedHead(f"{refused.inference_id}.out"))

    report = reconcile_handler(events("schedule.json"), lambda_context)

    # Then the other one completes, and the refused one stays QUEUED with the error on its record
    assert store.get(fine.document_id).status is Status.COMPLETED
    kept = store.get(refused.document_id)
    assert kept.status is Status.QUEUED
    assert kept.reconcile_error.startswith("ClientError: An error occurred (403)")
    assert report["counts"]["error"] == 1 and report["counts"]["completed"] == 1


def test_a_record_past_its_deadline_expires_even_when_its_objects_cannot_be_checked(
    reconcile_handler, queued, store, events, lambda_context
):
    stale = queued("stale", age=timedelta(days=1))
    s3_events = clients.aws_client("s3").meta.events
    s3_events.register_first("before-send.s3.HeadObject", RefusedHead(f"{stale.inference_id}.out"))

    report = reconcile_handler(events("schedule.json"), lambda_context)

    record = store.get(stale.document_id)
    assert record.status is Status.FAILED
    assert record.failure_reason.startswith("expired: no output or failure object 6h15m after submission")
    assert "the last check failed: ClientError: An error occurred (403)" in record.failure_reason
    assert report["counts"]["expired"] == 1

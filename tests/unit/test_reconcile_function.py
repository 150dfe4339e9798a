"""ReconcileFunction, invoked as Lambda invokes it, on events/schedule.json with env.json's environment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from precis_core.ids import document_id, inference_id, timestamp
from precis_core.models import Dispatch, Status, SummaryRecord

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

"""Reconcile: a lost notification is recovered from S3; a request past its TTL is marked expired."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from precis_core.domain.ids import timestamp
from precis_core.domain.models import Status

OUTPUT = "precis-test-output"


@pytest.fixture
def queued(seed, store):
    """A QUEUED record the endpoint accepted (its output and failure locations known), submitted `age` ago."""

    def write(name: str, age: timedelta = timedelta(minutes=5)):
        submitted = timestamp(datetime.now(UTC) - age)
        record = seed(name, status=Status.QUEUED, submitted_at=submitted)
        iid = record.inference_id
        assert store.mark_sent(
            record.document_id,
            iid,
            f"s3://{OUTPUT}/async-output/{iid}.out",
            f"s3://{OUTPUT}/async-failures/{iid}-error.out",
        )
        return store.get(record.document_id)

    return write


def _output(name: str) -> bytes:
    return json.dumps(
        {
            "summary": f"What {name} says.",
            "model": "precis-extractive",
            "engine": "extractive",
            "words_in": 900,
            "words_out": 40,
            "chunks": 2,
            "elapsed_ms": 35,
        }
    ).encode()


def test_a_lost_success_notification_is_completed_from_the_output_object(queued, store, cli, stack, client):
    # Given the endpoint wrote its output but the success notification never arrived
    record = queued("lost")
    client("s3").put_object(
        Bucket=OUTPUT, Key=f"async-output/{record.inference_id}.out", Body=_output("lost")
    )

    # When reconcile runs
    result = cli("reconcile", "--stack", stack, "--json")

    # Then the record is COMPLETED from the object, as the record function would have done
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["completed"] == 1
    done = store.get(record.document_id)
    assert done.status is Status.COMPLETED
    assert (done.summary, done.words_in, done.words_out, done.chunks) == ("What lost says.", 900, 40, 2)
    assert done.attempts[-1]["status"] == "COMPLETED"


def test_a_second_run_changes_nothing(queued, store, cli, stack, client):
    record = queued("lost")
    client("s3").put_object(
        Bucket=OUTPUT, Key=f"async-output/{record.inference_id}.out", Body=_output("lost")
    )
    cli("reconcile", "--stack", stack)
    after_first = store.get(record.document_id)

    second = cli("reconcile", "--stack", stack, "--json")

    report = json.loads(second.stdout)
    assert set(report["counts"].values()) == {0}
    assert (report["changed"], report["errors"]) == ([], [])
    assert store.get(record.document_id) == after_first


def test_a_lost_error_notification_is_failed_with_the_failure_objects_reason(
    queued, store, cli, stack, client
):
    record = queued("broken")
    client("s3").put_object(
        Bucket=OUTPUT,
        Key=f"async-failures/{record.inference_id}-error.out",
        Body=b'{"code": 400, "message": "unsupported content type text/csv"}',
    )

    result = cli("reconcile", "--stack", stack)

    assert result.exit_code == 0, result.output
    failed = store.get(record.document_id)
    assert failed.status is Status.FAILED
    assert failed.failure_reason == "unsupported content type text/csv"


def test_a_request_past_its_ttl_with_no_object_expires(queued, store, cli, stack):
    # Given a request queued longer than the TTL (6 h) plus the invocation timeout (15 min), with no object
    old = queued("forgotten", age=timedelta(hours=6, minutes=16))

    result = cli("reconcile", "--stack", stack, "--json")

    assert json.loads(result.stdout)["counts"]["expired"] == 1
    expired = store.get(old.document_id)
    assert expired.status is Status.FAILED
    assert expired.failure_reason.startswith("expired")


def test_a_young_request_with_no_object_is_left_in_flight(queued, store, cli, stack):
    young = queued("thinking", age=timedelta(hours=6))

    result = cli("reconcile", "--stack", stack, "--json")

    assert json.loads(result.stdout)["counts"]["in_flight"] == 1
    assert store.get(young.document_id).status is Status.QUEUED


def test_older_than_leaves_recent_records_alone(queued, store, cli, stack, client):
    recent = queued("recent", age=timedelta(minutes=2))
    client("s3").put_object(Bucket=OUTPUT, Key=f"async-output/{recent.inference_id}.out", Body=_output("r"))

    result = cli("reconcile", "--stack", stack, "--older-than", "10m", "--json")

    assert json.loads(result.stdout)["counts"]["completed"] == 0
    assert store.get(recent.document_id).status is Status.QUEUED


def test_reconcile_rejects_a_bad_duration(stack, cli):
    result = cli("reconcile", "--stack", stack, "--older-than", "soon")

    assert result.exit_code == 2
    assert "not a duration" in result.output

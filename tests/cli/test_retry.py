"""`precis retry`: a finished document is queued again as attempt + 1 with its history kept."""

from __future__ import annotations

import json

from precis_core.domain.models import Status


def test_retry_requeues_a_failed_document_as_the_next_attempt(seed, store, cli, stack):
    # Given a document whose first attempt failed
    failed = seed("flaky", status=Status.FAILED, reason="model server timed out")

    # When the user retries it by id
    result = cli("retry", failed.document_id, "--stack", stack, "--json")

    # Then the endpoint got inference id <document_id>-2 and the history keeps attempt 1's failure
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["outcome"] == "queued"
    record = store.get(failed.document_id)
    assert record.status is Status.QUEUED
    assert (record.attempt, record.inference_id) == (2, f"{failed.document_id}-2")
    assert [(a["inference_id"], a["status"]) for a in record.attempts] == [
        (f"{failed.document_id}-1", "FAILED"),
        (f"{failed.document_id}-2", "QUEUED"),
    ]
    assert record.attempts[0]["failure_reason"] == "model server timed out"
    assert record.output_location  # the endpoint accepted it


def test_retry_failed_takes_every_failed_document_only(seed, store, cli, stack):
    first = seed("one", status=Status.FAILED, submitted_at="2026-11-24T01:00:00.000Z")
    second = seed("two", status=Status.FAILED, submitted_at="2026-11-24T02:00:00.000Z")
    done = seed("three", submitted_at="2026-11-24T03:00:00.000Z")

    result = cli("retry", "--failed", "--stack", stack)

    assert result.exit_code == 0, result.output
    assert store.get(first.document_id).attempt == 2
    assert store.get(second.document_id).attempt == 2
    assert store.get(done.document_id).attempt == 1


def test_retry_of_a_queued_document_does_nothing_and_exits_1(seed, store, cli, stack):
    waiting = seed("waiting", status=Status.QUEUED)

    result = cli("retry", waiting.document_id, "--stack", stack)

    assert result.exit_code == 1
    assert "still queued" in result.output
    assert store.get(waiting.document_id).attempt == 1


def test_retry_of_an_unknown_id(stack, cli):
    result = cli("retry", "f" * 32, "--stack", stack)

    assert result.exit_code == 1
    assert f"no document {'f' * 32}" in result.output


def test_retry_needs_ids_or_failed(stack, cli):
    assert cli("retry", "--stack", stack).exit_code == 2
    assert cli("retry", "--failed", "a" * 32, "--stack", stack).exit_code == 2


def test_retry_failed_with_nothing_failed(stack, cli):
    result = cli("retry", "--failed", "--stack", stack)

    assert result.exit_code == 0
    assert "no FAILED documents to retry" in result.output


def stranded(store, client, record) -> None:
    """What SubmitFunction leaves when the endpoint refused its three calls: released, failures counted."""
    client("dynamodb").update_item(
        TableName=store.table_name,
        Key={"document_id": {"S": record.document_id}},
        UpdateExpression="SET #d = :released, dispatch_failures = :three, dispatch_error = :error",
        ExpressionAttributeNames={"#d": "dispatch"},
        ExpressionAttributeValues={
            ":released": {"S": "released"},
            ":three": {"N": "3"},
            ":error": {
                "S": "EndpointUnavailable: the endpoint did not take the request (ServiceUnavailable)"
            },
        },
    )


def test_retry_sends_a_queued_document_the_endpoint_never_accepted(seed, store, cli, stack, client):
    # Given a QUEUED document whose endpoint calls all failed during an outage
    waiting = seed("outage", status=Status.QUEUED)
    stranded(store, client, waiting)

    # When the user retries it, once the endpoint is back
    result = cli("retry", waiting.document_id, "--stack", stack, "--json")

    # Then it is sent now, as the same attempt, and the endpoint accepted it
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["outcome"] == "queued"
    record = store.get(waiting.document_id)
    assert (record.status, record.attempt, record.dispatch.value) == (Status.QUEUED, 1, "sent")
    assert record.output_location


def test_retry_during_the_outage_says_so_and_keeps_the_record(
    seed, store, cli, stack, client, endpoint_outage
):
    waiting = seed("outage", status=Status.QUEUED)
    stranded(store, client, waiting)

    result = cli("retry", waiting.document_id, "--stack", stack, "--json")

    assert result.exit_code == 1
    [outcome] = json.loads(result.stdout)
    assert outcome["outcome"] == "unavailable" and "could not be reached" in outcome["reason"]
    record = store.get(waiting.document_id)
    assert (record.status, record.dispatch.value, record.dispatch_failures) == (Status.QUEUED, "released", 4)

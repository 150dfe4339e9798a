"""An endpoint that refuses calls for longer than SubmitFunction's retries last strands nothing: the
record keeps each failure, reconcile sends it again with backoff, and gives up with the reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from precis_core.adapters import clients
from precis_core.adapters.summarizer_endpoint import SummarizerEndpoint
from precis_core.domain.ids import document_id, timestamp
from precis_core.domain.models import Dispatch, EndpointUnavailable, Status
from precis_core.services.dispatch import MAX_DISPATCH_FAILURES, Dispatcher, DispatchOutcome, wait_after

ARTICLE = b"Rates rise again.\n\nThe central bank raised its rate by a quarter point on Tuesday."


@pytest.fixture
def stranded(submit_handler, upload, store, outage, backoffs, lambda_context, names):
    """An upload whose event Lambda delivered three times (its attempt and two retries) while the endpoint
    refused every call: what the submit DLQ's message is about."""
    event = upload("incoming/outage/rates.txt", ARTICLE)
    for _ in range(3):
        with pytest.raises(EndpointUnavailable):
            submit_handler(event, lambda_context)
    obj = event["Records"][0]["s3"]["object"]
    return store.get(document_id(names.input_bucket, "incoming/outage/rates.txt", obj["versionId"]))


@pytest.fixture
def reconcile_now(reconcile_handler, monkeypatch, events, lambda_context):
    """A reconcile run that looks at every QUEUED record however young (`precis reconcile`'s default)."""
    monkeypatch.setenv("RECONCILE_OLDER_THAN_SECONDS", "0")
    return lambda: reconcile_handler(events("schedule.json"), lambda_context)


def a_minute_passes(store, record) -> None:
    """Move the record's next allowed call into the past, as if its backoff had elapsed."""
    store._client.update_item(
        TableName=store.table_name,
        Key={"document_id": {"S": record.document_id}},
        UpdateExpression="SET dispatch_after = :past",
        ExpressionAttributeValues={":past": {"S": timestamp(datetime.now(UTC) - timedelta(seconds=1))}},
    )


def test_an_outage_longer_than_the_submit_retries_leaves_each_failure_on_the_record(stranded, outage):
    # Then the record is QUEUED, released, with the three failed calls and the last error on it
    assert stranded.status is Status.QUEUED and stranded.dispatch is Dispatch.RELEASED
    assert stranded.dispatch_failures == 3
    assert stranded.dispatch_error.startswith("EndpointUnavailable: the endpoint did not take the request")
    assert "ServiceUnavailable" in stranded.dispatch_error
    assert stranded.output_location is None
    assert outage.refused == 9  # botocore's three tries per call, three calls


def test_reconcile_sends_it_again_once_the_endpoint_is_back(
    stranded, outage, reconcile_now, store, endpoint_calls
):
    # Given the endpoint back
    outage.refusing = False

    # When reconcile runs
    report = reconcile_now()

    # Then the record is sent again, as the same inference, and the endpoint accepted it
    assert report["counts"]["redispatched"] == 1
    assert report["changed"] == [
        {
            "document_id": stranded.document_id,
            "inference_id": stranded.inference_id,
            "outcome": "redispatched",
        }
    ]
    record = store.get(stranded.document_id)
    assert record.status is Status.QUEUED and record.dispatch is Dispatch.SENT
    assert record.output_location and record.inference_id == stranded.inference_id
    assert [call["InferenceId"] for call in endpoint_calls.calls] == [stranded.inference_id]

    # And a second run leaves it to its notification
    assert reconcile_now()["counts"]["in_flight"] == 1


def test_while_the_endpoint_still_refuses_reconcile_backs_off(stranded, outage, reconcile_now, store):
    # When reconcile runs during the outage, its call fails too and the next one waits a minute
    before = datetime.now(UTC)
    assert reconcile_now()["counts"]["unsent"] == 1
    record = store.get(stranded.document_id)
    assert record.dispatch_failures == 4 and record.dispatch is Dispatch.RELEASED
    wait = datetime.fromisoformat(record.dispatch_after.replace("Z", "+00:00")) - before
    assert timedelta(seconds=59) < wait <= timedelta(seconds=61)

    # And a run within that minute makes no call at all
    refused = outage.refused
    assert reconcile_now()["counts"]["unsent"] == 1
    assert outage.refused == refused and store.get(stranded.document_id).dispatch_failures == 4

    # Then after the minute, with the endpoint back, it goes through
    outage.refusing = False
    a_minute_passes(store, record)
    assert reconcile_now()["counts"]["redispatched"] == 1


def test_the_waits_double_from_a_minute_to_half_an_hour():
    waits = [wait_after(failures) for failures in range(1, MAX_DISPATCH_FAILURES + 1)]
    # SubmitFunction's call and Lambda's two retries go at once; reconcile's first call too
    assert waits == [timedelta(0)] * 3 + [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 30, 30)]


def test_on_the_local_stacks_clock_the_backoff_follows_its_time_scale(
    stranded, outage, reconcile_now, store, monkeypatch
):
    # Given the stack at 60 simulated seconds per real second
    monkeypatch.setenv("PRECIS_TIME_SCALE", "60")

    # When reconcile's call fails during the outage
    before = datetime.now(UTC)
    assert reconcile_now()["counts"]["unsent"] == 1
    after = datetime.now(UTC)

    # Then the next call waits the template's minute on that clock: one real second after the
    # failed call, which happened somewhere between `before` and `after` (the SDK's own retries
    # take a variable time on a loaded machine, so the wait is bounded on both sides of the call)
    record = store.get(stranded.document_id)
    due = datetime.fromisoformat(record.dispatch_after.replace("Z", "+00:00"))
    assert before + timedelta(seconds=1) <= due <= after + timedelta(seconds=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_after_the_last_allowed_call_the_record_fails_with_the_reason(stranded, outage, store, names):
    # Given a dispatcher on a clock that advances past each backoff, the endpoint never coming back
    clock = Clock()
    endpoint = SummarizerEndpoint(clients.aws_client("sagemaker-runtime"), names.endpoint, 3600, 900)
    dispatcher = Dispatcher(store, endpoint, clock)
    outcomes = []
    for _ in range(MAX_DISPATCH_FAILURES - stranded.dispatch_failures + 1):
        record = store.get(stranded.document_id)
        clock.now += timedelta(hours=1)
        try:
            outcomes.append(dispatcher.redispatch(record).outcome)
        except EndpointUnavailable:
            outcomes.append("refused")

    # Then the calls up to the limit were made, and the next look fails the record saying why
    assert outcomes[:-1] == ["refused"] * (MAX_DISPATCH_FAILURES - 3)
    assert outcomes[-1] is DispatchOutcome.GAVE_UP
    failed = store.get(stranded.document_id)
    assert failed.status is Status.FAILED
    assert failed.failure_reason.startswith(
        f"the endpoint did not accept the request in {MAX_DISPATCH_FAILURES} calls"
    )
    assert "ServiceUnavailable" in failed.failure_reason and "precis retry" in failed.failure_reason


class FunctionKilled(BaseException):
    """Lambda ending the runtime at its timeout mid-call: nothing releases the claim."""


def test_a_submit_that_died_mid_call_is_sent_again_once_its_claim_ran_out(
    submit_handler, upload, scripted, reconcile_now, store, endpoint_calls, lambda_context, names
):
    # Given an invocation with no time left that died while calling the endpoint
    scripted(FunctionKilled())
    event = upload("incoming/outage/killed.txt", ARTICLE)
    with pytest.raises(FunctionKilled):
        submit_handler(event, replace(lambda_context, remaining_ms=0))
    doc = document_id(
        names.input_bucket, "incoming/outage/killed.txt", event["Records"][0]["s3"]["object"]["versionId"]
    )
    assert store.get(doc).dispatch is Dispatch.CLAIMED

    # When reconcile runs, Then it makes the call the dead invocation never finished
    assert reconcile_now()["counts"]["redispatched"] == 1
    assert store.get(doc).dispatch is Dispatch.SENT
    assert len(endpoint_calls.calls) == 2


def test_a_record_whose_submit_is_still_calling_is_left_alone(
    submit_handler, upload, scripted, reconcile_now, store, endpoint_calls, lambda_context, names
):
    # Given a submit that died with most of its time left: its claim still holds
    scripted(FunctionKilled())
    event = upload("incoming/outage/slow.txt", ARTICLE)
    with pytest.raises(FunctionKilled):
        submit_handler(event, lambda_context)

    report = reconcile_now()

    assert report["counts"]["in_flight"] == 1 and report["counts"]["redispatched"] == 0
    assert len(endpoint_calls.calls) == 1

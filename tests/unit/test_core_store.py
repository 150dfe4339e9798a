"""The summaries table adapter: conditional transitions come back as True/False, queries page."""

from __future__ import annotations

import pytest
from precis_core.domain.models import (
    MAX_REASON_CHARS,
    Dispatch,
    InferenceResult,
    RecordRejected,
    Status,
    SummaryRecord,
)
from precis_core.domain.record_bounds import MAX_SUMMARY_BYTES

DOC = "0123456789abcdef0123456789abcdef"


def queued(
    document_id: str = DOC, collection: str = "default", submitted_at: str = "2026-11-25T01:00:00.000Z"
):
    return SummaryRecord(
        document_id=document_id,
        status=Status.QUEUED,
        inference_id=f"{document_id}-1",
        attempt=1,
        input_location="s3://precis-input/incoming/a.txt",
        collection=collection,
        submitted_at=submitted_at,
        dispatch=Dispatch.CLAIMED,
        dispatch_until="2026-11-25T01:00:30.000Z",
        attempts=[{"inference_id": f"{document_id}-1", "status": "QUEUED", "submitted_at": submitted_at}],
    )


def fail_first_attempt(store) -> bool:
    return store.fail(
        DOC,
        f"{DOC}-1",
        reason="boom",
        completed_at="2026-11-25T01:00:03.000Z",
        latency_ms=3000,
        attempts=[{"inference_id": f"{DOC}-1", "status": "FAILED"}],
    )


RESULT = InferenceResult("A summary.", "extractive-wordllama", "extractive", 900, 40, 2, 120)


def test_put_queued_refuses_a_second_record_for_the_same_document(store):
    assert store.put_queued(queued()) is True
    assert store.put_queued(queued()) is False
    assert store.get(DOC).status is Status.QUEUED


def test_complete_only_from_queued_with_the_matching_inference_id(store):
    store.put_queued(queued())
    kwargs = dict(
        result=RESULT,
        output_location="s3://o/async-output/x.out",
        completed_at="2026-11-25T01:00:02.500Z",
        latency_ms=2500,
        attempts=[],
    )
    assert store.complete(DOC, f"{DOC}-2", **kwargs) is False
    assert store.complete(DOC, f"{DOC}-1", **kwargs) is True
    assert store.complete(DOC, f"{DOC}-1", **kwargs) is False
    record = store.get(DOC)
    assert (record.status, record.summary, record.latency_ms, record.words_in) == (
        Status.COMPLETED,
        "A summary.",
        2500,
        900,
    )


def test_fail_after_complete_changes_nothing(store):
    store.put_queued(queued())
    store.complete(
        DOC,
        f"{DOC}-1",
        result=RESULT,
        output_location="s3://o/k",
        completed_at="2026-11-25T01:00:01.000Z",
        latency_ms=1000,
        attempts=[],
    )
    assert fail_first_attempt(store) is False
    assert store.get(DOC).status is Status.COMPLETED


def test_transitions_on_an_unknown_document_change_nothing(store):
    assert fail_first_attempt(store) is False
    assert store.get(DOC) is None


def test_dispatch_claim_is_released_then_claimed_once(store):
    # Given a record created claimed until 01:00:30
    store.put_queued(queued())
    first, later = "2026-11-25T01:00:10.000Z", "2026-11-25T01:05:00.000Z"
    # Then nobody else may claim it while that claim holds
    assert store.claim_dispatch(DOC, f"{DOC}-1", now=first, until=later) is False
    # But once released (a retryable failure), exactly one delivery gets it
    assert store.release_dispatch(DOC, f"{DOC}-1", error="ServiceUnavailable", retry_after=first) is True
    released = store.get(DOC)
    assert (released.dispatch_failures, released.dispatch_error) == (1, "ServiceUnavailable")
    assert store.claim_dispatch(DOC, f"{DOC}-1", now=first, until=later) is True
    assert store.claim_dispatch(DOC, f"{DOC}-1", now=first, until=later) is False
    assert store.mark_sent(DOC, f"{DOC}-1", "s3://o/async-output/x.out", "s3://o/async-failures/x.out")
    record = store.get(DOC)
    assert (record.dispatch, record.output_location) == (Dispatch.SENT, "s3://o/async-output/x.out")
    assert store.claim_dispatch(DOC, f"{DOC}-1", now="2026-11-25T09:00:00.000Z", until=later) is False


def test_a_claim_that_ran_out_can_be_taken_over(store):
    # Given a claim whose function died mid-call (the claim held until 01:00:30)
    store.put_queued(queued())
    # Then a delivery after that time takes it over, once
    assert store.claim_dispatch(DOC, f"{DOC}-1", now="2026-11-25T01:00:29.999Z", until="x") is False
    assert store.claim_dispatch(
        DOC, f"{DOC}-1", now="2026-11-25T01:00:31.000Z", until="2026-11-25T01:01:01.000Z"
    )
    assert store.claim_dispatch(DOC, f"{DOC}-1", now="2026-11-25T01:00:32.000Z", until="x") is False


def test_requeue_moves_a_failed_record_to_a_new_attempt(store):
    store.put_queued(queued())
    fail_first_attempt(store)
    requeue = dict(
        new_inference_id=f"{DOC}-2",
        attempt=2,
        submitted_at="2026-11-25T02:00:00.000Z",
        dispatch_until="2026-11-25T02:00:30.000Z",
        attempts=[
            {"inference_id": f"{DOC}-1", "status": "FAILED"},
            {"inference_id": f"{DOC}-2", "status": "QUEUED"},
        ],
    )
    assert store.requeue(DOC, expected_inference_id=f"{DOC}-1", **requeue) is True
    assert store.requeue(DOC, expected_inference_id=f"{DOC}-1", **requeue) is False
    record = store.get(DOC)
    assert (record.status, record.attempt, record.inference_id, record.failure_reason) == (
        Status.QUEUED,
        2,
        f"{DOC}-2",
        None,
    )
    assert record.dispatch is Dispatch.CLAIMED and len(record.attempts) == 2


def test_queries_page_through_an_index_newest_first(store):
    for n in range(5):
        doc = f"{n:032x}"
        store.put_queued(queued(doc, collection="finance", submitted_at=f"2026-11-25T01:00:0{n}.000Z"))
    first = store.query_by_collection("finance", limit=2)
    second = store.query_by_collection("finance", limit=2, cursor=first.cursor)
    assert [r.submitted_at[17:19] for r in first.records + second.records] == ["04", "03", "02", "01"]
    recent = store.query_by_status(Status.QUEUED, since="2026-11-25T01:00:03.000Z")
    assert len(recent.records) == 2
    assert len(list(store.iter_by_status(Status.QUEUED))) == 5


def complete_with(store, result: InferenceResult) -> bool:
    return store.complete(
        DOC,
        f"{DOC}-1",
        result=result,
        output_location="s3://precis-output/async-output/x.out",
        completed_at="2026-11-25T01:00:03.000Z",
        latency_ms=3000,
        attempts=[],
    )


def test_a_summary_over_the_bound_is_kept_cut_at_a_word_and_marked(store):
    # Given a result whose summary alone is far over DynamoDB's 400 KB item limit
    assert store.put_queued(queued())
    words = " ".join(f"wörd{i}" for i in range(100_000))
    assert len(words.encode()) > 4 * MAX_SUMMARY_BYTES

    # When it is recorded
    assert complete_with(store, InferenceResult(words, "m", "extractive", 100_000, 100_000, 1, 1))

    # Then the record holds a bounded prefix ending at a whole word, and says it was cut
    record = store.get(DOC)
    assert record.summary_truncated is True
    assert len(record.summary.encode()) <= MAX_SUMMARY_BYTES
    assert record.summary.endswith("…") and words.startswith(record.summary[:-1])
    assert words[len(record.summary) - 1] == " "


def test_a_summary_within_the_bound_is_kept_whole_and_not_marked(store):
    assert store.put_queued(queued())
    assert complete_with(store, RESULT)
    record = store.get(DOC)
    assert (record.summary, record.summary_truncated) == ("A summary.", None)


def test_reasons_and_the_attempts_kept_are_bounded(store):
    # Given a document retried many times, each failure with a traceback-long reason
    assert store.put_queued(queued())
    history = [
        {"inference_id": f"{DOC}-{n}", "status": "FAILED", "failure_reason": "x" * 50_000}
        for n in range(1, 40)
    ]

    assert store.fail(
        DOC,
        f"{DOC}-1",
        reason="y" * 50_000,
        completed_at="2026-11-25T01:00:03.000Z",
        latency_ms=1,
        attempts=history,
    )

    record = store.get(DOC)
    assert len(record.failure_reason) == MAX_REASON_CHARS and record.failure_reason.endswith("…")
    assert [a["inference_id"] for a in record.attempts] == [f"{DOC}-{n}" for n in range(20, 40)]
    assert {len(a["failure_reason"]) for a in record.attempts} == {MAX_REASON_CHARS}


def test_an_item_dynamodb_refuses_is_a_record_rejected(store, dynamodb):
    # Given a record already near the item limit (written by something that did not bound it)
    assert store.put_queued(queued())
    dynamodb.update_item(
        TableName=store.table_name,
        Key={"document_id": {"S": DOC}},
        UpdateExpression="SET title = :t",
        ExpressionAttributeValues={":t": {"S": "t" * 395_000}},
    )

    # When a bounded summary would take it over, Then the adapter names the refusal
    with pytest.raises(RecordRejected, match="size"):
        complete_with(store, InferenceResult("s " * 40_000, "m", "extractive", 1, 1, 1, 1))

"""The summaries table: conditional state changes and index queries on an injected DynamoDB client.

Every transition is a conditional write. A failed condition is an expected outcome (a duplicate or
out-of-order event), so it comes back as `False`, never as an exception; an item DynamoDB refuses
(ValidationException, e.g. over its 400 KB limit) is a RecordRejected; other errors propagate.
What a record holds is bounded so that it always fits (`precis_core.domain.record_bounds`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Unpack

from botocore.exceptions import ClientError

from precis_core.adapters.dynamodb_items import from_item, to_item, update_arguments
from precis_core.adapters.record_queries import (
    BY_COLLECTION,
    BY_STATUS,
    Page,
    QueryOptions,
    RecordIndex,
    index_request,
    published_request,
    read_page,
)
from precis_core.domain.metadata import SUBMITTED
from precis_core.domain.models import (
    Dispatch,
    InferenceResult,
    RecordRejected,
    Status,
    SummaryRecord,
    bounded_reason,
)
from precis_core.domain.record_bounds import bounded_attempts, bounded_summary

if TYPE_CHECKING:  # the stubs are a dev dependency: the layer needs none of them at run time
    from mypy_boto3_dynamodb import DynamoDBClient

_CONDITION_FAILED = "ConditionalCheckFailedException"
_REFUSED = "ValidationException"

# Attributes that describe one attempt's outcome: cleared when a document is queued again.
_OUTCOME_ATTRIBUTES = (
    "output_location",
    "failure_location",
    "failure_reason",
    "summary",
    "model",
    "engine",
    "words_in",
    "words_out",
    "chunks",
    "completed_at",
    "latency_ms",
    "summary_truncated",
    "key_phrases",
    "entities",
    "reconcile_error",
    "reconcile_error_at",
    "dismissed_at",
)
# What a reconcile run noted on a QUEUED record: gone once the record settles.
_NOTES = ("reconcile_error", "reconcile_error_at")
# One attempt's failed endpoint calls: a new attempt starts counting again.
_DISPATCH_FAILURES = ("dispatch_failures", "dispatch_error", "dispatch_after")


class SummaryStore:
    """The DynamoDB adapter for `SummaryRecord`s; give it a `boto3.client("dynamodb")` (or moto's)."""

    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table_name = table_name
        self._client = client

    def put_queued(self, record: SummaryRecord) -> bool:
        """Create a QUEUED record; False when the document already has one (a duplicate event)."""
        if record.status is not Status.QUEUED:
            raise ValueError("put_queued needs a QUEUED record")
        return self._put_new(record)

    def put_failed(self, record: SummaryRecord) -> bool:
        """Create a FAILED record (input rejected before inference); False when one already exists."""
        if record.status is not Status.FAILED:
            raise ValueError("put_failed needs a FAILED record")
        return self._put_new(record)

    def get(self, document_id: str) -> SummaryRecord | None:
        """The record of a document (strongly consistent read), or None."""
        response = self._client.get_item(
            TableName=self.table_name, Key=to_item({"document_id": document_id}), ConsistentRead=True
        )
        item = response.get("Item")
        return SummaryRecord.from_dict(from_item(item)) if item else None

    def claim_dispatch(self, document_id: str, inference_id: str, *, now: str, until: str) -> bool:
        """Take the right to call the endpoint, until `until`, for a QUEUED record whose last call failed
        retryably, or whose previous claim ran out (its function timed out or crashed mid-call)."""
        return self._update(
            document_id,
            {"dispatch": Dispatch.CLAIMED.value, "dispatch_until": until},
            condition="#status = :queued AND inference_id = :iid AND (#dispatch = :released "
            "OR (#dispatch = :claimed AND dispatch_until < :now))",
            condition_values={
                ":iid": inference_id,
                ":released": Dispatch.RELEASED.value,
                ":claimed": Dispatch.CLAIMED.value,
                ":now": now,
            },
        )

    def release_dispatch(self, document_id: str, inference_id: str, *, error: str, retry_after: str) -> bool:
        """Give the claim back after a failed endpoint call, so the retried event (or reconcile, not
        before `retry_after`) can call again; the failure is counted and its error kept."""
        return self._update(
            document_id,
            {"dispatch": Dispatch.RELEASED.value, "dispatch_error": error, "dispatch_after": retry_after},
            counters=("dispatch_failures",),
            condition="#status = :queued AND inference_id = :iid AND #dispatch = :claimed",
            condition_values={":iid": inference_id, ":claimed": Dispatch.CLAIMED.value},
        )

    def mark_sent(
        self, document_id: str, inference_id: str, output_location: str, failure_location: str | None
    ) -> bool:
        """Record that the endpoint accepted `inference_id`, with the locations it will write to
        (kept if a fast notification already set them)."""
        return self._update(
            document_id,
            {"dispatch": Dispatch.SENT.value},
            if_absent={"output_location": output_location, "failure_location": failure_location},
            condition="inference_id = :iid",
            condition_values={":iid": inference_id},
        )

    def complete(
        self,
        document_id: str,
        inference_id: str,
        *,
        result: InferenceResult,
        output_location: str,
        completed_at: str,
        latency_ms: int,
        attempts: list[dict[str, Any]],
        details: dict[str, Any] | None = None,
    ) -> bool:
        """QUEUED → COMPLETED for the matching inference id; False if it is not (any longer) that state.
        A summary over MAX_SUMMARY_BYTES is kept cut at a word, with `summary_truncated` set; `details`
        (the article's metadata as the endpoint read it) are set with it."""
        summary, truncated = bounded_summary(result.summary)
        return self._update(
            document_id,
            {
                **(details or {}),
                "status": Status.COMPLETED.value,
                "summary": summary,
                "summary_truncated": True if truncated else None,
                "model": result.model,
                "engine": result.engine,
                "words_in": result.words_in,
                "words_out": result.words_out,
                "chunks": result.chunks,
                "key_phrases": result.key_phrases or None,
                "entities": result.entities or None,
                "output_location": output_location,
                "completed_at": completed_at,
                "latency_ms": latency_ms,
                "attempts": bounded_attempts(attempts),
            },
            remove=("failure_reason", *_NOTES),
            condition="#status = :queued AND inference_id = :iid",
            condition_values={":iid": inference_id},
        )

    def fail(
        self,
        document_id: str,
        inference_id: str,
        *,
        reason: str,
        completed_at: str,
        latency_ms: int,
        attempts: list[dict[str, Any]],
        failure_location: str | None = None,
    ) -> bool:
        """QUEUED → FAILED with a reason, for the matching inference id; False otherwise."""
        return self._update(
            document_id,
            {
                "status": Status.FAILED.value,
                "failure_reason": bounded_reason(reason),
                "failure_location": failure_location,
                "completed_at": completed_at,
                "latency_ms": latency_ms,
                "attempts": bounded_attempts(attempts),
            },
            remove=_NOTES,
            condition="#status = :queued AND inference_id = :iid",
            condition_values={":iid": inference_id},
        )

    def note_problem(self, document_id: str, inference_id: str, *, problem: str, at: str) -> bool:
        """Keep on a QUEUED record what went wrong when reconcile last tried to settle it (it stays QUEUED
        for the next run); False if the record moved on."""
        return self._update(
            document_id,
            {"reconcile_error": bounded_reason(problem), "reconcile_error_at": at},
            condition="#status = :queued AND inference_id = :iid",
            condition_values={":iid": inference_id},
        )

    def dismiss(self, document_id: str, *, at: str) -> bool:
        """Mark a FAILED record as one its user will not fix (stats leave it out); False unless FAILED."""
        return self._update(
            document_id,
            {"dismissed_at": at},
            condition="#status = :failed",
            condition_values={":failed": Status.FAILED.value},
        )

    def requeue(
        self,
        document_id: str,
        *,
        expected_inference_id: str,
        new_inference_id: str,
        attempt: int,
        submitted_at: str,
        attempts: list[dict[str, Any]],
        dispatch_until: str,
        details: dict[str, Any] | None = None,
    ) -> bool:
        """A finished (FAILED or COMPLETED) record → QUEUED again under a new inference id, claimed for
        dispatch by the caller until `dispatch_until`, with the last attempt's outcome cleared and
        `details` (e.g. content_type, title, bytes) set. False if the record moved on meanwhile."""
        return self._update(
            document_id,
            {
                **(details or {}),
                "status": Status.QUEUED.value,
                "inference_id": new_inference_id,
                "attempt": attempt,
                "submitted_at": submitted_at,
                "attempts": bounded_attempts(attempts),
                "dispatch": Dispatch.CLAIMED.value,
                "dispatch_until": dispatch_until,
            },
            remove=(*_OUTCOME_ATTRIBUTES, *_DISPATCH_FAILURES),
            condition="inference_id = :expected AND #status <> :queued",
            condition_values={":expected": expected_inference_id},
        )

    def query_by_status(self, status: Status, **options: Unpack[QueryOptions]) -> Page:
        """Records in one status (GSI `by-status`), one page at a time."""
        return self.query(BY_STATUS, Status(status).value, **options)

    def query_by_collection(self, collection: str, **options: Unpack[QueryOptions]) -> Page:
        """Records of one collection (GSI `by-collection`), one page at a time."""
        return self.query(BY_COLLECTION, collection, **options)

    def query_by_published(
        self,
        collection: str,
        *,
        start: str,
        end: str,
        limit: int = 100,
        cursor: dict[str, Any] | None = None,
        newest_first: bool = False,
    ) -> Page:
        """Records of one collection whose article was published from `start` to `end` (YYYY-MM-DD,
        both included), by the GSI `by-published`: a Query, never a Scan, one page at a time."""
        request = published_request(
            self.table_name, collection, start=start, end=end, limit=limit, newest_first=newest_first
        )
        return read_page(self._client, request, cursor)

    def iter_by_status(self, status: Status, *, since: str | None = None) -> Iterator[SummaryRecord]:
        """Every record in one status, oldest first, following the pages."""
        cursor: dict[str, Any] | None = None
        while True:
            page = self.query_by_status(status, since=since, cursor=cursor, newest_first=False)
            yield from page.records
            if page.cursor is None:
                return
            cursor = page.cursor

    def _put_new(self, record: SummaryRecord) -> bool:
        if not record.published:  # every record is in the by-published index: its own date, else this
            record.published, record.published_source = record.submitted_at[:10], SUBMITTED
        values = record.to_dict()
        values["attempts"] = bounded_attempts(record.attempts)
        if record.failure_reason is not None:
            values["failure_reason"] = bounded_reason(record.failure_reason)
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=to_item(values),
                ConditionExpression="attribute_not_exists(document_id)",
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            _raise_if_refused(error)
            raise
        return True

    def _update(
        self,
        document_id: str,
        values: dict[str, Any],
        *,
        condition: str,
        condition_values: dict[str, Any],
        if_absent: dict[str, Any] | None = None,
        counters: tuple[str, ...] = (),
        remove: tuple[str, ...] = (),
    ) -> bool:
        """An UpdateItem of an existing record under `condition` (dynamodb_items.update_arguments);
        conditions may use #status, #dispatch and :queued."""
        # The status is set last: moto applies SET clause by clause, and a write it refuses part way
        # (over the item limit) must not have moved the record, as DynamoDB's atomic update would not.
        ordered = dict(sorted(values.items(), key=lambda kv: kv[0] == "status"))
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=to_item({"document_id": document_id}),
                **update_arguments(
                    ordered,
                    condition=f"attribute_exists(document_id) AND ({condition})",
                    names={"#status": "status", "#dispatch": "dispatch"},
                    condition_values={":queued": Status.QUEUED.value, **condition_values},
                    if_absent=if_absent,
                    counters=counters,
                    remove=remove,
                ),
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            _raise_if_refused(error)
            raise
        return True

    def query(self, index: RecordIndex, key: str, **options: Unpack[QueryOptions]) -> Page:
        """Records whose `index.key` is `key`, submitted at or after `since`, one page at a time."""
        request = index_request(
            self.table_name,
            index,
            key,
            since=options.get("since"),
            limit=options.get("limit", 100),
            newest_first=options.get("newest_first", True),
        )
        return read_page(self._client, request, options.get("cursor"))


def _is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == _CONDITION_FAILED


def _raise_if_refused(error: ClientError) -> None:
    details = error.response.get("Error", {})
    if details.get("Code") == _REFUSED:
        raise RecordRejected(details.get("Message", _REFUSED)) from error

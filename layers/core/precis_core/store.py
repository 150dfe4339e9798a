"""The summaries table: conditional state changes on an injected low-level DynamoDB client.

Every transition is a conditional write. A failed condition is an expected outcome (a duplicate or
out-of-order event), so it comes back as `False`, never as an exception; an item DynamoDB refuses
(ValidationException, e.g. over its 400 KB limit) is a RecordRejected; other errors propagate.
What a record holds is bounded so that it always fits: the summary (the full one stays in the
output object the record points to, and `summary_truncated` says so), reasons and the attempts kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from precis_core.models import (
    Dispatch,
    InferenceResult,
    RecordRejected,
    Status,
    SummaryRecord,
    bounded_reason,
)

BY_STATUS_INDEX = "by-status"
BY_COLLECTION_INDEX = "by-collection"
BY_PUBLISHED_INDEX = "by-published"
SUBMITTED = "submitted"  # published_source of a record whose article carries no date of its own

_CONDITION_FAILED = "ConditionalCheckFailedException"
_REFUSED = "ValidationException"
# DynamoDB's item limit is 400 KB (names and values, UTF-8): the largest summary, reason and history
# kept leave room for the rest of the item (key, title, locations, timestamps).
MAX_SUMMARY_BYTES = 100_000
MAX_ATTEMPTS_KEPT = 20
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

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
)
# What a reconcile run noted on a QUEUED record: gone once the record settles.
_NOTES = ("reconcile_error", "reconcile_error_at")
# One attempt's failed endpoint calls: a new attempt starts counting again.
_DISPATCH_FAILURES = ("dispatch_failures", "dispatch_error", "dispatch_after")


@dataclass(frozen=True)
class Page:
    """One page of a query; pass `cursor` back to get the next one (None when there is no more)."""

    records: list[SummaryRecord]
    cursor: dict[str, Any] | None


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values → DynamoDB attribute values."""
    return {name: _serializer.serialize(value) for name, value in values.items()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values → plain values (numbers as int)."""
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class SummaryStore:
    """The DynamoDB adapter for `SummaryRecord`s; give it a `boto3.client("dynamodb")` (or moto's)."""

    def __init__(self, table_name: str, client: Any) -> None:
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
    ) -> bool:
        """QUEUED → COMPLETED for the matching inference id; False if it is not (any longer) that state.
        A summary over MAX_SUMMARY_BYTES is kept cut at a word, with `summary_truncated` set."""
        summary, truncated = bounded_summary(result.summary)
        return self._update(
            document_id,
            {
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

    def query_by_status(
        self,
        status: Status,
        *,
        since: str | None = None,
        limit: int = 100,
        cursor: dict[str, Any] | None = None,
        newest_first: bool = True,
    ) -> Page:
        """Records in one status (GSI `by-status`), submitted at or after `since`, one page at a time."""
        return self._query(
            BY_STATUS_INDEX, "status", Status(status).value, since, limit, cursor, newest_first
        )

    def query_by_collection(
        self,
        collection: str,
        *,
        since: str | None = None,
        limit: int = 100,
        cursor: dict[str, Any] | None = None,
        newest_first: bool = True,
    ) -> Page:
        """Records of one collection (GSI `by-collection`) submitted at or after `since`, a page at a time."""
        return self._query(BY_COLLECTION_INDEX, "collection", collection, since, limit, cursor, newest_first)

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
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": BY_PUBLISHED_INDEX,
            "KeyConditionExpression": "#collection = :collection AND #published BETWEEN :start AND :end",
            "ExpressionAttributeNames": {"#collection": "collection", "#published": "published"},
            "ExpressionAttributeValues": to_item({":collection": collection, ":start": start, ":end": end}),
            "Limit": limit,
            "ScanIndexForward": not newest_first,
        }
        return self._page(request, cursor)

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
        """SET `values` (None values skipped), SET `if_absent` only where missing, add one to each of
        `counters` (from 0), REMOVE `remove`, all under `condition`. Every attribute goes through an
        expression attribute name (status, collection… are reserved words); conditions may use
        #status, #dispatch and :queued."""
        names = {"#status": "status", "#dispatch": "dispatch"}
        attribute_values = {":queued": Status.QUEUED.value, **condition_values}
        assignments = []
        # The status is set last: moto applies SET clause by clause, and a write it refuses part way
        # (over the item limit) must not have moved the record, as DynamoDB's atomic update would not.
        ordered = sorted(
            ((k, v) for k, v in values.items() if v is not None), key=lambda kv: kv[0] == "status"
        )
        for n, (name, value) in enumerate(ordered):
            names[f"#s{n}"], attribute_values[f":s{n}"] = name, value
            assignments.append(f"#s{n} = :s{n}")
        for n, (name, value) in enumerate((k, v) for k, v in (if_absent or {}).items() if v is not None):
            names[f"#a{n}"], attribute_values[f":a{n}"] = name, value
            assignments.append(f"#a{n} = if_not_exists(#a{n}, :a{n})")
        for n, name in enumerate(counters):
            names[f"#c{n}"] = name
            attribute_values.update({":zero": 0, ":one": 1})
            assignments.append(f"#c{n} = if_not_exists(#c{n}, :zero) + :one")
        expression = "SET " + ", ".join(assignments)
        if remove:
            names.update({f"#r{n}": name for n, name in enumerate(remove)})
            expression += " REMOVE " + ", ".join(f"#r{n}" for n in range(len(remove)))
        condition = f"attribute_exists(document_id) AND ({condition})"
        used = expression + " " + condition
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=to_item({"document_id": document_id}),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={k: v for k, v in names.items() if _mentions(used, k)},
                ExpressionAttributeValues=to_item(
                    {k: v for k, v in attribute_values.items() if _mentions(used, k)}
                ),
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            _raise_if_refused(error)
            raise
        return True

    def _query(
        self,
        index: str,
        attribute: str,
        value: str,
        since: str | None,
        limit: int,
        cursor: dict[str, Any] | None,
        newest_first: bool,
    ) -> Page:
        condition = "#key = :key"
        values: dict[str, Any] = {":key": value}
        if since:
            condition += " AND submitted_at >= :since"
            values[":since"] = since
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": {"#key": attribute},
            "ExpressionAttributeValues": to_item(values),
            "Limit": limit,
            "ScanIndexForward": not newest_first,
        }
        return self._page(request, cursor)

    def _page(self, request: dict[str, Any], cursor: dict[str, Any] | None) -> Page:
        """One page of a Query, from `cursor` on."""
        if cursor:
            request["ExclusiveStartKey"] = cursor
        response = self._client.query(**request)
        records = [SummaryRecord.from_dict(from_item(item)) for item in response.get("Items", [])]
        return Page(records, response.get("LastEvaluatedKey"))


def _mentions(expression: str, placeholder: str) -> bool:
    """Whether a #name or :value placeholder occurs in an expression as a whole token."""
    return re.search(re.escape(placeholder) + r"(?![A-Za-z0-9_])", expression) is not None


def _is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == _CONDITION_FAILED


def _raise_if_refused(error: ClientError) -> None:
    details = error.response.get("Error", {})
    if details.get("Code") == _REFUSED:
        raise RecordRejected(details.get("Message", _REFUSED)) from error


def bounded_summary(summary: str) -> tuple[str, bool]:
    """The summary as a record keeps it (at most MAX_SUMMARY_BYTES of UTF-8, cut at a word) and whether
    it was cut."""
    encoded = summary.encode("utf-8")
    if len(encoded) <= MAX_SUMMARY_BYTES:
        return summary, False
    kept = encoded[: MAX_SUMMARY_BYTES - len("…".encode())].decode("utf-8", errors="ignore")
    space = kept.rfind(" ", len(kept) - 200)
    return (kept[:space] if space > 0 else kept).rstrip() + "…", True


def bounded_attempts(attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last MAX_ATTEMPTS_KEPT attempts, each reason bounded (`attempt` still counts them all)."""
    kept = [dict(entry) for entry in attempts[-MAX_ATTEMPTS_KEPT:]]
    for entry in kept:
        if isinstance(entry.get("failure_reason"), str):
            entry["failure_reason"] = bounded_reason(entry["failure_reason"])
    return kept

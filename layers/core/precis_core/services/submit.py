"""Submit: one uploaded article → a QUEUED record and one InvokeEndpointAsync (or a FAILED record).

Exactly one endpoint call per document version, even when S3 delivers the event twice or Lambda
retries it: the QUEUED record carries a dispatch claim. The first delivery creates the record
already claimed; a retryable endpoint failure releases the claim and raises, so the retried event
claims it again and calls; a duplicate finds it claimed or sent and does nothing. The call itself,
and what a failed one leaves on the record, is precis_core.services.dispatch's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger

from precis_core.adapters import articles
from precis_core.adapters.articles import ArticleSource
from precis_core.adapters.summary_store import SummaryStore
from precis_core.domain import parameters
from precis_core.domain.ids import document_id, inference_id, timestamp
from precis_core.domain.input_location import check_input_location
from precis_core.domain.metadata import from_s3
from precis_core.domain.models import (
    ArticleRef,
    Dispatch,
    EndpointUnavailable,
    InvalidArticle,
    S3Location,
    Status,
    SummaryRecord,
    UnknownVersion,
    settle_attempt,
)
from precis_core.services.dispatch import (
    DEFAULT_CLAIM,
    Dispatched,
    Dispatcher,
    DispatchOutcome,
    never_accepted,
)

logger = Logger(child=True)

DEFAULT_COLLECTION = "default"
_OVERWRITTEN = "overwritten before submission; the newer upload has its own event"


class SubmitOutcome(StrEnum):
    QUEUED = "queued"  # the endpoint accepted the article
    REJECTED = "rejected"  # bad input: FAILED record, no endpoint call
    ENDPOINT_REJECTED = "endpoint_rejected"  # the endpoint refused it for good: FAILED record
    UNAVAILABLE = "unavailable"  # `precis retry` of an unsent record: the endpoint did not take it now
    DUPLICATE = "duplicate"  # the document already has a record that needs nothing from us
    FOREIGN_BUCKET = "foreign_bucket"  # the event names another bucket than the stack's input bucket
    # Not an article upload: a folder marker, outside the prefix, overwritten, or no such version.
    IGNORED = "ignored"


@dataclass(frozen=True)
class SubmitResult:
    outcome: SubmitOutcome
    key: str
    document_id: str | None = None
    inference_id: str | None = None
    reason: str | None = None


def is_test_event(event: dict[str, Any]) -> bool:
    """The `s3:TestEvent` S3 sends (and moto sends first) when a notification is configured."""
    return event.get("Event") == "s3:TestEvent" and "Records" not in event


def article_refs(event: Any) -> Iterator[ArticleRef]:
    """The uploads in an S3 event (a powertools S3Event), keys URL-decoded; other event types skipped."""
    for record in event.records:
        if not record.event_name.startswith("ObjectCreated:"):
            logger.warning("skipping a non-upload S3 event", extra={"event_name": record.event_name})
            continue
        obj = record.s3.get_object
        yield ArticleRef(
            bucket=record.s3.bucket.name,
            key=unquote_plus(obj.key),
            version_id=obj.version_id,
            etag=obj.etag,
            size=obj.get("size"),
        )


def collection_of(key: str, input_prefix: str) -> str:
    """The first folder below the input prefix, else `default`: `incoming/finance/q3.txt` → `finance`,
    and `incoming/team a/2026/x.txt` → `team a` (deeper folders organise a collection's files)."""
    parts = PurePosixPath(key[len(input_prefix) :]).parts
    return parts[0] if len(parts) > 1 and parts[0].strip() else DEFAULT_COLLECTION


class SubmitService:
    def __init__(
        self,
        store: SummaryStore,
        source: ArticleSource,
        dispatcher: Dispatcher,
        *,
        input_prefix: str,
        max_input_bytes: int,
        input_bucket: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.source = source
        self.dispatcher = dispatcher
        self.input_prefix = input_prefix
        self.max_input_bytes = max_input_bytes
        self.input_bucket = input_bucket
        """The one bucket served ("" serves any: `precis retry` names its record's own)."""
        self.clock = clock

    def submit(self, ref: ArticleRef, time_left_ms: int | None = None) -> SubmitResult:
        """Validate one upload, record it, and queue its inference, at most once per document version.

        `time_left_ms` is how long this invocation may still run (Lambda's remaining time): a claim to
        call the endpoint lasts that long, so if the function dies mid-call a later delivery takes over."""
        if self.input_bucket and ref.bucket != self.input_bucket:
            reason = (
                f"the event names bucket {ref.bucket!r}, not this stack's input bucket {self.input_bucket!r}"
            )
            logger.warning(
                "refusing an event for another bucket", extra={"bucket": ref.bucket, "key": ref.key}
            )
            return SubmitResult(SubmitOutcome.FOREIGN_BUCKET, ref.key, reason=reason)
        if ref.key.endswith("/"):
            return SubmitResult(SubmitOutcome.IGNORED, ref.key, reason="a folder marker, not an article")
        if not ref.key.startswith(self.input_prefix):
            return SubmitResult(SubmitOutcome.IGNORED, ref.key, reason=f"outside {self.input_prefix}")
        doc = document_id(ref.bucket, ref.key, ref.version_id or ref.etag)
        existing = self.store.get(doc)
        if existing is not None:
            return self._resume(existing, ref.key, time_left_ms)
        record = self._new_record(ref, doc, time_left_ms)
        try:
            article = self._check(ref)
        except InvalidArticle as invalid:
            return self._reject(record, ref.key, invalid.reason)
        except UnknownVersion as unknown:
            logger.warning("event names no existing object version", extra={"reason": str(unknown)})
            return SubmitResult(SubmitOutcome.IGNORED, ref.key, doc, reason=str(unknown))
        if article is None:
            return SubmitResult(SubmitOutcome.IGNORED, ref.key, doc, reason=_OVERWRITTEN)
        details = {**article.metadata.to_record(), "title": article.title, "parameters": article.parameters}
        record = replace(record, content_type=article.content_type, bytes=article.size, **details)
        if not self.store.put_queued(record):
            return SubmitResult(SubmitOutcome.DUPLICATE, ref.key, doc, record.inference_id)
        return self._dispatch(record, ref.key)

    def retry(self, document: str, time_left_ms: int | None = None) -> SubmitResult:
        """Queue a finished document again as attempt + 1 (for `precis retry`); the input is checked again.
        A QUEUED one the endpoint never accepted (an outage outlasted the submit's retries) is sent
        again now, as the same attempt; one it accepted is left to finish.

        LookupError if the document has no record."""
        record = self.store.get(document)
        if record is None:
            raise LookupError(f"no record for document {document}")
        location = S3Location.parse(record.input_location)
        ref = ArticleRef(location.bucket, location.key, record.version_id, record.etag or "")
        if record.status is Status.QUEUED:
            return self._send_again(record)
        try:
            article = self._check(ref)
        except InvalidArticle as invalid:
            return self._result(SubmitOutcome.REJECTED, record, invalid.reason)
        except UnknownVersion as unknown:
            return self._result(SubmitOutcome.REJECTED, record, str(unknown))
        if article is None:
            return self._result(SubmitOutcome.IGNORED, record, _OVERWRITTEN)
        now, until = self._claim_window(time_left_ms)
        queued = replace(
            record,
            status=Status.QUEUED,
            inference_id=inference_id(document, record.attempt + 1),
            attempt=record.attempt + 1,
            submitted_at=now,
            content_type=article.content_type,
        )
        queued.attempts = [*record.attempts, _open_attempt(queued.inference_id, now)]
        details = {
            **article.metadata.to_record(),
            "content_type": article.content_type,
            "title": article.title,
            "bytes": article.size,
            "parameters": article.parameters,
        }
        requeued = self.store.requeue(
            document,
            expected_inference_id=record.inference_id,
            new_inference_id=queued.inference_id,
            attempt=queued.attempt,
            submitted_at=now,
            attempts=queued.attempts,
            dispatch_until=until,
            details=details,
        )
        if not requeued:
            return self._result(SubmitOutcome.DUPLICATE, record, "the record changed meanwhile")
        return self._dispatch(queued, ref.key)

    def _check(self, ref: ArticleRef) -> articles.Article | None:
        """The checked article; InvalidArticle if it cannot be summarized, None if it was overwritten."""
        articles.content_type_for(ref.key)
        check_input_location(str(ref.location))
        stored, sample = self.source.read_start(ref)
        if not ref.version_id and ref.etag and stored.etag and stored.etag != ref.etag:
            return None
        articles.check_size(stored.size, self.max_input_bytes)
        article = articles.inspect(ref.key, stored.size, sample, self.max_input_bytes)
        # The uploader's own metadata (precis submit --title …) wins over what the content says.
        metadata = from_s3(stored.metadata).over(article.metadata)
        settings = parameters.from_metadata(stored.metadata) or None
        return replace(article, title=metadata.title or article.title, metadata=metadata, parameters=settings)

    @staticmethod
    def _result(outcome: SubmitOutcome, record: SummaryRecord, reason: str | None = None) -> SubmitResult:
        key = S3Location.parse(record.input_location).key
        return SubmitResult(outcome, key, record.document_id, record.inference_id, reason)

    def _claim_window(self, time_left_ms: int | None) -> tuple[str, str]:
        """Now, and until when a claim taken now holds."""
        now = self.clock()
        return timestamp(now), timestamp(now + _lasting(time_left_ms))

    def _new_record(self, ref: ArticleRef, doc: str, time_left_ms: int | None) -> SummaryRecord:
        first = inference_id(doc, 1)
        now, until = self._claim_window(time_left_ms)
        return SummaryRecord(
            document_id=doc,
            status=Status.QUEUED,
            inference_id=first,
            attempt=1,
            input_location=str(ref.location),
            collection=collection_of(ref.key, self.input_prefix),
            submitted_at=now,
            title=PurePosixPath(ref.key).stem,
            version_id=ref.version_id,
            etag=ref.etag or None,
            attempts=[_open_attempt(first, now)],
            dispatch=Dispatch.CLAIMED,
            dispatch_until=until,
        )

    def _reject(self, record: SummaryRecord, key: str, reason: str) -> SubmitResult:
        failed = replace(
            record,
            status=Status.FAILED,
            dispatch=None,
            dispatch_until=None,
            failure_reason=reason,
            completed_at=record.submitted_at,
            latency_ms=0,
            attempts=settle_attempt(
                record.attempts, record.inference_id, Status.FAILED, record.submitted_at, reason
            ),
        )
        if not self.store.put_failed(failed):
            return SubmitResult(SubmitOutcome.DUPLICATE, key, record.document_id, record.inference_id)
        logger.warning("article rejected", extra={"key": key, "reason": reason})
        return self._result(SubmitOutcome.REJECTED, record, reason)

    def _resume(self, record: SummaryRecord, key: str, time_left_ms: int | None) -> SubmitResult:
        """A record exists: finish a dispatch an earlier delivery released (or abandoned, its claim run
        out), else it is a duplicate."""
        unsent = record.status is Status.QUEUED and record.dispatch in (Dispatch.RELEASED, Dispatch.CLAIMED)
        if unsent and self.dispatcher.claim(record, _lasting(time_left_ms)):
            logger.info("retrying the endpoint call", extra={"inference_id": record.inference_id})
            return self._dispatch(record, key)
        return SubmitResult(SubmitOutcome.DUPLICATE, key, record.document_id, record.inference_id)

    def _dispatch(self, record: SummaryRecord, key: str) -> SubmitResult:
        """Call the endpoint under the claim this submit holds (EndpointUnavailable propagates, so
        Lambda retries the event)."""
        return self._dispatched(self.dispatcher.send(record), record, key)

    def _send_again(self, record: SummaryRecord) -> SubmitResult:
        """`precis retry` of a QUEUED record: send it now if the endpoint never accepted it."""
        if not never_accepted(record, self.clock()):
            return self._result(SubmitOutcome.DUPLICATE, record, "it is still queued: the endpoint has it")
        try:
            dispatched = self.dispatcher.redispatch(record, now_or_never=True)
        except EndpointUnavailable as unavailable:
            return self._result(SubmitOutcome.UNAVAILABLE, record, str(unavailable))
        return self._dispatched(dispatched, record, S3Location.parse(record.input_location).key)

    def _dispatched(self, dispatched: Dispatched, record: SummaryRecord, key: str) -> SubmitResult:
        if dispatched.outcome is DispatchOutcome.SENT:
            logger.info("article queued", extra={"key": key, "inference_id": record.inference_id})
            return SubmitResult(SubmitOutcome.QUEUED, key, record.document_id, record.inference_id)
        if dispatched.outcome is DispatchOutcome.REJECTED:
            return self._result(SubmitOutcome.ENDPOINT_REJECTED, record, dispatched.reason)
        return self._result(SubmitOutcome.DUPLICATE, record, "another caller is sending it")


def _lasting(time_left_ms: int | None) -> timedelta:
    """How long a claim holds: the invocation's remaining time, or DEFAULT_CLAIM outside Lambda."""
    return DEFAULT_CLAIM if time_left_ms is None else timedelta(milliseconds=time_left_ms)


def _open_attempt(inference: str, submitted_at: str) -> dict[str, Any]:
    return {"inference_id": inference, "status": Status.QUEUED.value, "submitted_at": submitted_at}

"""Record: a SageMaker notification (or a reconciler's finding) → COMPLETED or FAILED, once.

Only a QUEUED record whose `inference_id` matches moves; repeats, out-of-order deliveries and ids
that are not ours change nothing and come back as outcomes the caller counts. A notification is
trusted only if it names the location InvokeEndpointAsync gave this inference (stored on the record
at submit) under the endpoint's output or failure path: a forged or misrouted one changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from aws_lambda_powertools import Logger

from precis_core.adapters.inference_outputs import InferenceOutputs, ResultPaths
from precis_core.adapters.summary_store import SummaryStore
from precis_core.domain.ids import elapsed_ms, parse_inference_id, timestamp
from precis_core.domain.metadata import ArticleMetadata, for_record, from_document
from precis_core.domain.models import (
    Dispatch,
    DispatchPending,
    Notification,
    RecordRejected,
    Status,
    SummaryRecord,
    UnreadableResult,
    settle_attempt,
)

logger = Logger(child=True)

NO_REASON = "the inference failed and the endpoint gave no reason"


class RecordOutcome(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    DUPLICATE = "duplicate"  # the record already has this outcome for this inference id
    OUT_OF_ORDER = "out_of_order"  # the record already ended otherwise, or moved to another attempt
    UNKNOWN = "unknown"  # no record for this inference id (or not an id precis makes)
    UNTRUSTED = "untrusted"  # names a location this inference was not given: forged or misrouted


@dataclass(frozen=True)
class RecordResult:
    outcome: RecordOutcome
    inference_id: str
    document_id: str | None = None
    status: Status | None = None  # the record's status after this call


class RecordService:
    def __init__(
        self,
        store: SummaryStore,
        outputs: InferenceOutputs,
        paths: ResultPaths,
        clock: Callable[[], str] = timestamp,
    ) -> None:
        self.store = store
        self.outputs = outputs
        self.paths = paths
        self.clock = clock

    def record(self, notification: Notification) -> RecordResult:
        """Apply one SageMaker success or error notification, if it names its inference's location.

        DispatchPending if it came before the submit stored that location (the caller retries)."""
        succeeded = notification.succeeded
        target = Status.COMPLETED if succeeded else Status.FAILED
        record, settled = self._queued(notification.inference_id, target)
        if settled is not None:
            return settled
        assert record is not None  # _queued returns one of the two
        expected = record.output_location if succeeded else record.failure_location
        if expected is None and record.dispatch is Dispatch.CLAIMED:
            raise DispatchPending(f"{record.inference_id} has no stored location yet; its submit is running")
        if succeeded:
            location = notification.output_location
        else:
            # failureLocation is optional in SageMaker's error message: the stored one is read instead.
            location = notification.failure_location or record.failure_location
        if location != expected or not self._under_paths(location, failure=not succeeded):
            return self._untrusted(record, location, expected)
        if succeeded:
            assert location is not None  # parse_notification requires a success's outputLocation
            return self._complete(record, location)
        return self._fail_from(record, notification.failure_reason, location)

    def complete(self, inference_id: str, output_location: str) -> RecordResult:
        """QUEUED → COMPLETED from the output object at `output_location` (the record's own, which the
        reconciler found). An unreadable output fails the record with the reason; a missing one
        raises ResultMissing."""
        record, settled = self._queued(inference_id, Status.COMPLETED)
        if settled is not None:
            return settled
        assert record is not None  # _queued returns one of the two
        if output_location != record.output_location or not self._under_paths(output_location):
            return self._untrusted(record, output_location, record.output_location)
        return self._complete(record, output_location)

    def _complete(self, record: SummaryRecord, output_location: str) -> RecordResult:
        inference_id = record.inference_id
        try:
            result = self.outputs.read_result(output_location)
        except UnreadableResult as unreadable:
            return self._fail(record, f"the endpoint's output is unreadable: {unreadable}", None)
        now = self.clock()
        try:
            applied = self.store.complete(
                record.document_id,
                inference_id,
                result=result,
                output_location=output_location,
                completed_at=now,
                latency_ms=elapsed_ms(record.submitted_at, now),
                attempts=settle_attempt(record.attempts, inference_id, Status.COMPLETED, now),
                details=_document_metadata(record, result.document),
            )
        except RecordRejected as rejected:
            # Retrying the same write cannot succeed: the record says why, and where the result is.
            reason = f"the summary could not be stored ({rejected}); the full result is at {output_location}"
            return self._fail(record, reason, None)
        return self._applied(applied, record, RecordOutcome.COMPLETED, Status.COMPLETED)

    def fail(
        self, inference_id: str, reason: str | None, failure_location: str | None = None
    ) -> RecordResult:
        """QUEUED → FAILED. The failure object's text is the reason when there is one, else `reason`
        (SageMaker's failureReason, or the reconciler's "lost notification")."""
        record, settled = self._queued(inference_id, Status.FAILED)
        if settled is not None:
            return settled
        assert record is not None  # _queued returns one of the two
        if failure_location is not None and failure_location != record.failure_location:
            return self._untrusted(record, failure_location, record.failure_location)
        return self._fail_from(record, reason, failure_location)

    def _fail_from(
        self, record: SummaryRecord, reason: str | None, failure_location: str | None
    ) -> RecordResult:
        return self._fail(
            record, self.outputs.read_failure(failure_location) or reason or NO_REASON, failure_location
        )

    def _under_paths(self, location: str | None, *, failure: bool = False) -> bool:
        """The endpoint writes only under its paths; no failure location at all is SageMaker's way when
        the config has no S3FailurePath."""
        if failure and location is None:
            return True
        return self.paths.holds(location, failure=failure)

    def _fail(self, record: SummaryRecord, reason: str, failure_location: str | None) -> RecordResult:
        now = self.clock()
        applied = self.store.fail(
            record.document_id,
            record.inference_id,
            reason=reason,
            failure_location=failure_location,
            completed_at=now,
            latency_ms=elapsed_ms(record.submitted_at, now),
            attempts=settle_attempt(record.attempts, record.inference_id, Status.FAILED, now, reason),
        )
        return self._applied(applied, record, RecordOutcome.FAILED, Status.FAILED)

    def _queued(
        self, inference_id: str, target: Status
    ) -> tuple[SummaryRecord, None] | tuple[None, RecordResult]:
        """The QUEUED record `inference_id` belongs to, or the result saying why nothing is to be done."""
        try:
            document, _ = parse_inference_id(inference_id)
        except ValueError:
            return None, self._ignored(RecordOutcome.UNKNOWN, inference_id, None, None)
        record = self.store.get(document)
        if record is None:
            return None, self._ignored(RecordOutcome.UNKNOWN, inference_id, document, None)
        if record.inference_id == inference_id and record.status is Status.QUEUED:
            return record, None
        same = record.inference_id == inference_id and record.status is target
        outcome = RecordOutcome.DUPLICATE if same else RecordOutcome.OUT_OF_ORDER
        return None, self._ignored(outcome, inference_id, document, record.status)

    def _applied(
        self, applied: bool, record: SummaryRecord, outcome: RecordOutcome, target: Status
    ) -> RecordResult:
        if applied:
            logger.info(f"summary {outcome.value}", extra={"inference_id": record.inference_id})
            return RecordResult(outcome, record.inference_id, record.document_id, target)
        # Another delivery moved the record between our read and our write: classify what it did.
        _, settled = self._queued(record.inference_id, target)
        return settled or RecordResult(RecordOutcome.OUT_OF_ORDER, record.inference_id, record.document_id)

    @staticmethod
    def _untrusted(record: SummaryRecord, location: str | None, expected: str | None) -> RecordResult:
        logger.warning(
            "notification changes nothing: untrusted location",
            extra={"inference_id": record.inference_id, "location": location, "expected": expected},
        )
        return RecordResult(RecordOutcome.UNTRUSTED, record.inference_id, record.document_id, record.status)

    @staticmethod
    def _ignored(
        outcome: RecordOutcome, inference_id: str, document: str | None, status: Status | None
    ) -> RecordResult:
        logger.warning(
            f"notification changes nothing: {outcome.value}",
            extra={"inference_id": inference_id, "record_status": status.value if status else None},
        )
        return RecordResult(outcome, inference_id, document, status)


def _document_metadata(record: SummaryRecord, document: dict | None) -> dict:
    """The record's metadata once the endpoint's reading of the document is added (see
    precis_core.domain.metadata.for_record): only what changes."""
    names = ArticleMetadata.__dataclass_fields__
    current = ArticleMetadata(**{name: getattr(record, name) for name in names})
    merged = for_record(current, from_document(document, record.content_type)).to_record()
    return {name: value for name, value in merged.items() if getattr(record, name) != value}

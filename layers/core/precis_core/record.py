"""Record: a SageMaker notification (or a reconciler's finding) → COMPLETED or FAILED, once.

Only a QUEUED record whose `inference_id` matches moves; repeats, out-of-order deliveries and ids
that are not ours change nothing and come back as outcomes the caller counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from aws_lambda_powertools import Logger

from precis_core.ids import elapsed_ms, parse_inference_id, timestamp
from precis_core.models import Notification, Status, SummaryRecord, UnreadableResult, settle_attempt
from precis_core.results import InferenceOutputs
from precis_core.store import SummaryStore

logger = Logger(child=True)

NO_REASON = "the inference failed and the endpoint gave no reason"


class RecordOutcome(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    DUPLICATE = "duplicate"  # the record already has this outcome for this inference id
    OUT_OF_ORDER = "out_of_order"  # the record already ended otherwise, or moved to another attempt
    UNKNOWN = "unknown"  # no record for this inference id (or not an id precis makes)


@dataclass(frozen=True)
class RecordResult:
    outcome: RecordOutcome
    inference_id: str
    document_id: str | None = None
    status: Status | None = None  # the record's status after this call


class RecordService:
    def __init__(
        self, store: SummaryStore, outputs: InferenceOutputs, clock: Callable[[], str] = timestamp
    ) -> None:
        self.store = store
        self.outputs = outputs
        self.clock = clock

    def record(self, notification: Notification) -> RecordResult:
        """Apply one SageMaker success or error notification."""
        if notification.succeeded:
            return self.complete(notification.inference_id, notification.output_location or "")
        return self.fail(
            notification.inference_id, notification.failure_reason, notification.failure_location
        )

    def complete(self, inference_id: str, output_location: str) -> RecordResult:
        """QUEUED → COMPLETED from the output object at `output_location` (a notification, or the
        reconciler finding the object). An unreadable output fails the record with the reason;
        a missing one raises ResultMissing."""
        record, settled = self._queued(inference_id, Status.COMPLETED)
        if settled is not None:
            return settled
        try:
            result = self.outputs.read_result(output_location)
        except UnreadableResult as unreadable:
            return self._fail(record, f"the endpoint's output is unreadable: {unreadable}", None)
        now = self.clock()
        applied = self.store.complete(
            record.document_id,
            inference_id,
            result=result,
            output_location=output_location,
            completed_at=now,
            latency_ms=elapsed_ms(record.submitted_at, now),
            attempts=settle_attempt(record.attempts, inference_id, Status.COMPLETED, now),
        )
        return self._applied(applied, record, RecordOutcome.COMPLETED, Status.COMPLETED)

    def fail(
        self, inference_id: str, reason: str | None, failure_location: str | None = None
    ) -> RecordResult:
        """QUEUED → FAILED. The failure object's text is the reason when there is one, else `reason`
        (SageMaker's failureReason, or the reconciler's "lost notification")."""
        record, settled = self._queued(inference_id, Status.FAILED)
        if settled is not None:
            return settled
        return self._fail(
            record, self.outputs.read_failure(failure_location) or reason or NO_REASON, failure_location
        )

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
    def _ignored(
        outcome: RecordOutcome, inference_id: str, document: str | None, status: Status | None
    ) -> RecordResult:
        logger.warning(
            f"notification changes nothing: {outcome.value}",
            extra={"inference_id": inference_id, "record_status": status.value if status else None},
        )
        return RecordResult(outcome, inference_id, document, status)

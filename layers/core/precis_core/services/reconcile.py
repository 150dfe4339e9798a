"""Reconcile: settle QUEUED records whose notification was lost, from what S3 already holds, and send
again those whose request the endpoint never accepted.

Delivery is at least once, but "once" can still fail: a lost SNS message, a record function that
gave up into its dead-letter queue, or an endpoint that refused calls for longer than the submit
function's retries lasted. For each QUEUED record (oldest first, through the by-status index):
- the endpoint never accepted it (released, or its claim ran out) → sent again through the
  dispatcher once its backoff has passed, FAILED after MAX_DISPATCH_FAILURES (precis_core.services.dispatch);
- its output object exists → completed from it, exactly as a success notification would;
- its failure object exists → failed with the failure object's reason;
- neither, and the request is past its TTL plus the invocation timeout → FAILED, "expired";
- otherwise it is still in flight and left alone.
Then it sweeps a bounded page of the uploads for ones without any record (their event was lost) and
submits them (precis_core.services.upload_sweep).
Every change goes through the record service's conditional writes, so a run racing a late
notification, or a second run, changes nothing more. One record can never stop a run: whatever
settling it raises is noted on that record (`reconcile_error`), counted, and the run goes on; a record
past its deadline is expired even when its objects cannot be checked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeGuard

from aws_lambda_powertools import Logger

from precis_core.adapters.inference_outputs import InferenceOutputs
from precis_core.adapters.summary_store import SummaryStore
from precis_core.domain.ids import parse_timestamp, timestamp
from precis_core.domain.models import EndpointUnavailable, Status, SummaryRecord
from precis_core.services.dispatch import Dispatcher, DispatchOutcome, never_accepted
from precis_core.services.record import RecordOutcome, RecordService
from precis_core.services.submit import SubmitOutcome
from precis_core.services.upload_sweep import UploadSweep

logger = Logger(child=True)


class ReconcileOutcome(StrEnum):
    COMPLETED = "completed"  # the output object was there: the summary is recorded
    FAILED = "failed"  # the failure object was there: its reason is recorded
    EXPIRED = "expired"  # nothing arrived within the request TTL plus the invocation timeout
    IN_FLIGHT = "in_flight"  # nothing yet, but the request may still be processed
    SETTLED_ELSEWHERE = "settled_elsewhere"  # a notification or another run changed it meanwhile
    ERROR = "error"  # settling it raised: the error is noted on the record for the next run
    REDISPATCHED = "redispatched"  # the endpoint had never accepted it: sent again, and accepted now
    UNSENT = "unsent"  # never accepted, and not sent now: its backoff has not passed, or the call failed
    SUBMITTED = "submitted"  # an upload without a record (its event was lost): submitted now


@dataclass
class ReconcileReport:
    """What one run did: a count per outcome and the documents it changed."""

    counts: Counter = field(default_factory=Counter)
    changed: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def add(self, record: SummaryRecord, outcome: ReconcileOutcome, problem: str | None = None) -> None:
        self.counts[outcome.value] += 1
        if problem is not None:
            self.errors.append(
                {"document_id": record.document_id, "inference_id": record.inference_id, "error": problem}
            )
        if outcome in (
            ReconcileOutcome.COMPLETED,
            ReconcileOutcome.FAILED,
            ReconcileOutcome.EXPIRED,
            ReconcileOutcome.REDISPATCHED,
            ReconcileOutcome.SUBMITTED,
        ):
            self.changed.append(
                {
                    "document_id": record.document_id,
                    "inference_id": record.inference_id,
                    "outcome": outcome.value,
                }
            )

    def add_upload(self, document_id: str, inference_id: str) -> None:
        """An upload without a record, submitted by this run."""
        self.counts[ReconcileOutcome.SUBMITTED.value] += 1
        self.changed.append(
            {
                "document_id": document_id,
                "inference_id": inference_id,
                "outcome": ReconcileOutcome.SUBMITTED.value,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": {o.value: self.counts[o.value] for o in ReconcileOutcome},
            "changed": self.changed,
            "errors": self.errors,
        }


class Reconciler:
    """Settles lost notifications: reads QUEUED records from the store, asks the endpoint's outputs
    whether an object arrived, and settles through the record service."""

    def __init__(
        self,
        store: SummaryStore,
        records: RecordService,
        outputs: InferenceOutputs,
        dispatcher: Dispatcher,
        *,
        request_ttl_seconds: int,
        invocation_timeout_seconds: int,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        time_scale: float = 1.0,
        uploads: UploadSweep | None = None,
    ) -> None:
        self.store = store
        self.uploads = uploads
        self.records = records
        self.outputs = outputs
        self.dispatcher = dispatcher
        # A request can wait its whole TTL in the queue and then run up to the invocation timeout.
        self.deadline = timedelta(seconds=request_ttl_seconds + invocation_timeout_seconds)
        self.now = now
        self.time_scale = time_scale  # the stack's seconds per wall-clock second (settings.time_scale)

    def run(self, older_than: timedelta = timedelta(0)) -> ReconcileReport:
        """Reconcile every QUEUED record submitted at least `older_than` ago."""
        now = self.now()
        cutoff = timestamp(now - older_than / self.time_scale)
        report = ReconcileReport()
        for record in self.store.iter_by_status(Status.QUEUED):
            if record.submitted_at > cutoff:
                break  # the index returns oldest first: the rest are younger still
            try:
                report.add(record, self.settle(record, now))
            except Exception as error:  # noqa: BLE001 - one record's failure must not stop the others
                problem = f"{type(error).__name__}: {error}"
                report.add(record, self._unsettled(record, now, problem), problem)
        if self.uploads is not None:
            self._sweep_uploads(self.uploads, report, now, older_than / self.time_scale)
        logger.info("reconciled", extra=report.to_dict()["counts"])
        return report

    def _sweep_uploads(
        self, uploads: UploadSweep, report: ReconcileReport, now: datetime, older_than: timedelta
    ) -> None:
        """Submits the uploads of this run's page that have no record (their event was lost)."""
        try:
            swept = uploads.sweep(now, older_than)
        except Exception as error:  # noqa: BLE001 - the records settled above still count; the next run lists again
            logger.exception("could not sweep the uploads")
            report.counts[ReconcileOutcome.ERROR.value] += 1
            report.errors.append({"document_id": "", "inference_id": "", "error": f"upload sweep: {error}"})
            return
        for result in swept.submitted:
            if result.outcome not in (SubmitOutcome.DUPLICATE, SubmitOutcome.IGNORED):
                report.add_upload(result.document_id or "", result.inference_id or "")
        for key, problem in swept.errors:
            report.counts[ReconcileOutcome.ERROR.value] += 1
            report.errors.append(
                {"document_id": "", "inference_id": "", "error": f"upload {key!r}: {problem}"}
            )
        logger.info(
            "swept uploads",
            extra={"after": swept.started_after, "listed": swept.listed, "next": swept.next_after},
        )

    def _unsettled(self, record: SummaryRecord, now: datetime, problem: str) -> ReconcileOutcome:
        """Expire a record past its deadline whatever its objects say; else note the problem on it."""
        logger.exception("could not settle a record", extra={"inference_id": record.inference_id})
        try:
            if self._past_deadline(record, now):
                reason = f"{self._expiry_reason()}; the last check failed: {problem}"
                return _outcome(
                    self.records.fail(record.inference_id, reason).outcome, ReconcileOutcome.EXPIRED
                )
            self.store.note_problem(
                record.document_id, record.inference_id, problem=problem, at=timestamp(now)
            )
        except Exception:  # noqa: BLE001 - the store itself failing: the next run tries again
            logger.exception(
                "could not note the problem on the record", extra={"inference_id": record.inference_id}
            )
        return ReconcileOutcome.ERROR

    def settle(self, record: SummaryRecord, now: datetime) -> ReconcileOutcome:
        if never_accepted(record, now):
            return self._send_again(record)
        if self._ours(record.output_location) and self.outputs.exists(record.output_location):
            result = self.records.complete(record.inference_id, record.output_location)
            return _outcome(result.outcome, ReconcileOutcome.COMPLETED)
        if self._ours(record.failure_location, failure=True) and self.outputs.exists(record.failure_location):
            result = self.records.fail(record.inference_id, None, record.failure_location)
            return _outcome(result.outcome, ReconcileOutcome.FAILED)
        if self._past_deadline(record, now):
            result = self.records.fail(record.inference_id, self._expiry_reason())
            return _outcome(result.outcome, ReconcileOutcome.EXPIRED)
        return ReconcileOutcome.IN_FLIGHT

    def _send_again(self, record: SummaryRecord) -> ReconcileOutcome:
        try:
            dispatched = self.dispatcher.redispatch(record)
        except EndpointUnavailable:
            return ReconcileOutcome.UNSENT  # counted on the record with its error and next try
        return {
            DispatchOutcome.SENT: ReconcileOutcome.REDISPATCHED,
            DispatchOutcome.REJECTED: ReconcileOutcome.FAILED,
            DispatchOutcome.GAVE_UP: ReconcileOutcome.FAILED,
            DispatchOutcome.WAITING: ReconcileOutcome.UNSENT,
            DispatchOutcome.TAKEN: ReconcileOutcome.SETTLED_ELSEWHERE,
        }[dispatched.outcome]

    def _ours(self, location: str | None, *, failure: bool = False) -> TypeGuard[str]:
        """Only locations under the endpoint's own paths are looked at (a tampered record's are not)."""
        return self.records.paths.holds(location, failure=failure)

    def _past_deadline(self, record: SummaryRecord, now: datetime) -> bool:
        return (now - parse_timestamp(record.submitted_at)) * self.time_scale > self.deadline

    def _expiry_reason(self) -> str:
        return (
            f"expired: no output or failure object {self._deadline_text()} after submission "
            "(request TTL plus invocation timeout)"
        )

    def _deadline_text(self) -> str:
        seconds = int(self.deadline.total_seconds())
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds}s"


def _outcome(recorded: RecordOutcome, applied: ReconcileOutcome) -> ReconcileOutcome:
    """What the record service did: our change, or another writer's (a late notification, a parallel run)."""
    if recorded in (RecordOutcome.COMPLETED, RecordOutcome.FAILED):
        if applied is ReconcileOutcome.COMPLETED and recorded is RecordOutcome.FAILED:
            return ReconcileOutcome.FAILED  # the output object existed but was unreadable
        return applied
    return ReconcileOutcome.SETTLED_ELSEWHERE

"""Dispatch: the one InvokeEndpointAsync a QUEUED record needs, under its claim, retried with bounds.

Until the endpoint accepts a record's request, the record is `claimed` (a caller is making the call,
until `dispatch_until`) or `released` (the last call failed retryably). Every failed call is counted
on the record with its error and the earliest time to call again (`dispatch_failures`,
`dispatch_error`, `dispatch_after`). The first calls are SubmitFunction's and Lambda's two retries of
the S3 event, which go at once; reconcile's then back off, a minute doubling to 30; after
MAX_DISPATCH_FAILURES failed calls the record is FAILED with the last error, so an endpoint that
stays away cannot keep a record QUEUED, and a crash loop cannot call it for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from aws_lambda_powertools import Logger

from precis_core.adapters.summarizer_endpoint import SummarizerEndpoint
from precis_core.adapters.summary_store import SummaryStore
from precis_core.domain.ids import elapsed_ms, parse_timestamp, timestamp
from precis_core.domain.models import (
    Dispatch,
    EndpointRejected,
    Status,
    SummaryRecord,
    bounded_reason,
    settle_attempt,
)
from precis_core.domain.parameters import custom_attributes

logger = Logger(child=True)

MAX_DISPATCH_FAILURES = 10
_CALLS_WITHOUT_WAIT = 3  # SubmitFunction's call and Lambda's two retries of the S3 event
_FIRST_WAIT = timedelta(minutes=1)
_LONGEST_WAIT = timedelta(minutes=30)
# Lambda's longest timeout: a claim taken outside Lambda (reconcile, `precis retry`) is held this long.
DEFAULT_CLAIM = timedelta(minutes=15)


class DispatchOutcome(StrEnum):
    SENT = "sent"  # the endpoint accepted the request
    REJECTED = "rejected"  # the endpoint refused it for good: the record is FAILED
    GAVE_UP = "gave_up"  # MAX_DISPATCH_FAILURES calls failed: the record is FAILED
    WAITING = "waiting"  # the last failure's backoff has not passed yet
    TAKEN = "taken"  # another caller holds the claim, or the record moved on


@dataclass(frozen=True)
class Dispatched:
    outcome: DispatchOutcome
    reason: str | None = None  # why the record is FAILED (REJECTED, GAVE_UP)


def wait_after(failures: int) -> timedelta:
    """How long after its `failures`-th failed call a record waits before the next one."""
    if failures <= _CALLS_WITHOUT_WAIT:
        return timedelta(0)
    return min(_LONGEST_WAIT, _FIRST_WAIT * 2 ** (failures - _CALLS_WITHOUT_WAIT - 1))


def never_accepted(record: SummaryRecord, now: datetime) -> bool:
    """A QUEUED record whose request the endpoint has not accepted and nobody is sending now:
    released after a failed call, or claimed by a caller that died (its claim ran out)."""
    if record.status is not Status.QUEUED:
        return False
    if record.dispatch is Dispatch.RELEASED:
        return True
    return record.dispatch is Dispatch.CLAIMED and (
        record.dispatch_until is None or parse_timestamp(record.dispatch_until) < now
    )


class Dispatcher:
    """Makes the endpoint call for records; give it the store and the SageMaker endpoint adapter."""

    def __init__(
        self,
        store: SummaryStore,
        endpoint: SummarizerEndpoint,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        time_scale: float = 1.0,
    ) -> None:
        self.store = store
        self.endpoint = endpoint
        self.clock = clock
        self.time_scale = time_scale  # backoff seconds per wall-clock second (settings.time_scale)

    def claim(self, record: SummaryRecord, lasts: timedelta = DEFAULT_CLAIM) -> bool:
        """Take the right to call for a record that is released or whose claim ran out."""
        now = self.clock()
        return self.store.claim_dispatch(
            record.document_id, record.inference_id, now=timestamp(now), until=timestamp(now + lasts)
        )

    def send(self, record: SummaryRecord) -> Dispatched:
        """Call the endpoint for `record`, whose claim the caller holds. A refusal for good fails the
        record; any other error releases the claim, counts the failure on the record, and propagates
        (EndpointUnavailable: Lambda retries the event, reconcile tries again after the backoff)."""
        try:
            assert record.content_type is not None  # submit stores it with the record it dispatches
            accepted = self.endpoint.invoke(
                record.input_location,
                record.content_type,
                record.inference_id,
                custom_attributes(record.inference_id, record.parameters),
            )
        except EndpointRejected as rejected:
            return self._fail(record, DispatchOutcome.REJECTED, str(rejected))
        except Exception as error:
            self._release(record, f"{type(error).__name__}: {error}")
            raise
        self.store.mark_sent(
            record.document_id, record.inference_id, accepted.output_location, accepted.failure_location
        )
        return Dispatched(DispatchOutcome.SENT)

    def redispatch(self, record: SummaryRecord, *, now_or_never: bool = False) -> Dispatched:
        """Call again for a record the endpoint never accepted, once its backoff has passed; FAILED
        after MAX_DISPATCH_FAILURES. `now_or_never` (a user's `precis retry`) skips both."""
        failures = record.dispatch_failures or 0
        if not now_or_never and failures >= MAX_DISPATCH_FAILURES:
            return self._fail(record, DispatchOutcome.GAVE_UP, _gave_up(record))
        due = record.dispatch_after and parse_timestamp(record.dispatch_after) > self.clock()
        if due and not now_or_never:
            return Dispatched(DispatchOutcome.WAITING)
        if not self.claim(record):
            return Dispatched(DispatchOutcome.TAKEN)
        logger.info("calling the endpoint again", extra={"inference_id": record.inference_id})
        return self.send(record)

    def _release(self, record: SummaryRecord, error: str) -> None:
        failures = (record.dispatch_failures or 0) + 1
        retry_after = timestamp(self.clock() + wait_after(failures) / self.time_scale)
        self.store.release_dispatch(
            record.document_id, record.inference_id, error=bounded_reason(error), retry_after=retry_after
        )

    def _fail(self, record: SummaryRecord, outcome: DispatchOutcome, reason: str) -> Dispatched:
        now = timestamp(self.clock())
        self.store.fail(
            record.document_id,
            record.inference_id,
            reason=reason,
            completed_at=now,
            latency_ms=elapsed_ms(record.submitted_at, now),
            attempts=settle_attempt(record.attempts, record.inference_id, Status.FAILED, now, reason),
        )
        logger.error(
            "endpoint will not take it", extra={"inference_id": record.inference_id, "reason": reason}
        )
        return Dispatched(outcome, reason)


def _gave_up(record: SummaryRecord) -> str:
    return (
        f"the endpoint did not accept the request in {record.dispatch_failures} calls since "
        f"{record.submitted_at}; the last error: {record.dispatch_error or 'unknown'} "
        "(`precis retry` sends it again)"
    )

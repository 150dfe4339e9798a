"""ReconcileFunction (scheduled): settle QUEUED records whose notification was lost, expire stale ones."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from precis_core.clients import aws_client
from precis_core.reconcile import ReconcileOutcome, Reconciler, ReconcileSettings
from precis_core.record import RecordService
from precis_core.results import InferenceOutputs
from precis_core.store import SummaryStore
from precis_core.tracing import traced

logger = Logger()
metrics = Metrics()

METRICS = {
    ReconcileOutcome.COMPLETED: "ReconciledCompleted",
    ReconcileOutcome.FAILED: "ReconciledFailed",
    ReconcileOutcome.EXPIRED: "ReconciledExpired",
    ReconcileOutcome.IN_FLIGHT: "ReconcileInFlight",
    ReconcileOutcome.SETTLED_ELSEWHERE: "ReconcileSettledElsewhere",
}


@cache
def reconciler() -> tuple[Reconciler, timedelta]:
    """The container's reconciler and its age threshold, wired on first use (settings checked loudly)."""
    settings = ReconcileSettings.from_env()
    store = SummaryStore(settings.summaries_table, aws_client("dynamodb"))
    s3 = aws_client("s3")
    service = Reconciler(
        store,
        RecordService(store, InferenceOutputs(s3)),
        s3,
        request_ttl_seconds=settings.request_ttl_seconds,
        invocation_timeout_seconds=settings.invocation_timeout_seconds,
    )
    return service, timedelta(seconds=settings.older_than_seconds)


@traced
@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    service, older_than = reconciler()
    report = service.run(older_than)
    for outcome, name in METRICS.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=report.counts[outcome.value])
    return report.to_dict()

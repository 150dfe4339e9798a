"""ReconcileFunction (scheduled): settle QUEUED records whose notification was lost, expire stale ones,
submit uploads whose event was lost."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext
from precis_core import composition
from precis_core.adapters.clients import aws_client
from precis_core.adapters.metrics import OutcomeMetrics
from precis_core.adapters.tracing import traced
from precis_core.domain.function_settings import ReconcileSettings
from precis_core.services.reconcile import ReconcileOutcome, Reconciler

logger = Logger()
metrics = Metrics()
outcomes = OutcomeMetrics(
    metrics,
    {
        ReconcileOutcome.COMPLETED: "ReconciledCompleted",
        ReconcileOutcome.FAILED: "ReconciledFailed",
        ReconcileOutcome.EXPIRED: "ReconciledExpired",
        ReconcileOutcome.IN_FLIGHT: "ReconcileInFlight",
        ReconcileOutcome.SETTLED_ELSEWHERE: "ReconcileSettledElsewhere",
        ReconcileOutcome.ERROR: "ReconcileErrors",
        ReconcileOutcome.REDISPATCHED: "ReconcileRedispatched",
        ReconcileOutcome.UNSENT: "ReconcileUnsent",
        ReconcileOutcome.SUBMITTED: "ReconcileSubmittedUploads",
    },
)


@cache
def settings() -> ReconcileSettings:
    """The container's settings, read on first use (a bad value fails loudly here)."""
    return ReconcileSettings.from_env()


@cache
def reconciler() -> Reconciler:
    """The container's reconciler, wired to real clients on first use."""
    return composition.reconciler(settings(), aws_client)


@traced
@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = reconciler().run(settings().older_than)
    outcomes.count_each(report.counts)
    return report.to_dict()

"""AnalyticsFunction: a batch of the summaries table's stream → the analytics copy in S3."""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from precis_core import composition
from precis_core.adapters.clients import aws_client
from precis_core.adapters.tracing import traced
from precis_core.domain.function_settings import AnalyticsSettings
from precis_core.services.analytics import AnalyticsWriter

logger = Logger()
metrics = Metrics()


@cache
def analytics_writer() -> AnalyticsWriter:
    """The container's writer, wired to real clients on first use (settings checked here, loudly)."""
    return composition.analytics_writer(AnalyticsSettings.from_env(), aws_client)


@traced
@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # An error raises: Lambda retries the same batch (same first sequence number, same object keys)
    # and after MaximumRetryAttempts sends its description to the on-failure queue.
    written = analytics_writer().write_batch(event.get("Records") or [])
    rows = sum(item.rows for item in written)
    metrics.add_metric(name="AnalyticsRows", unit=MetricUnit.Count, value=rows)
    metrics.add_metric(name="AnalyticsObjects", unit=MetricUnit.Count, value=len(written))
    logger.info("analytics batch", extra={"records": len(event.get("Records") or []), "rows": rows})
    return {"written": [asdict(item) for item in written]}

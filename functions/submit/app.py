"""SubmitFunction: S3 uploads under incoming/ → checked, recorded QUEUED, sent to the async endpoint."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from precis_core import composition
from precis_core.adapters.clients import aws_client
from precis_core.adapters.metrics import OutcomeMetrics
from precis_core.adapters.tracing import traced
from precis_core.domain.function_settings import SubmitSettings
from precis_core.domain.models import EndpointUnavailable
from precis_core.services.submit import SubmitOutcome, SubmitService, article_refs, is_test_event

logger = Logger()
metrics = Metrics()
outcomes = OutcomeMetrics(
    metrics,
    {
        SubmitOutcome.QUEUED: "ArticlesQueued",
        SubmitOutcome.REJECTED: "ArticlesRejected",
        SubmitOutcome.ENDPOINT_REJECTED: "EndpointRejections",
        SubmitOutcome.DUPLICATE: "DuplicateEvents",
        SubmitOutcome.IGNORED: "IgnoredEvents",
        SubmitOutcome.FOREIGN_BUCKET: "ForeignBucketEvents",
    },
)


@cache
def submit_service() -> SubmitService:
    """The container's service, wired to real clients on first use (settings checked here, loudly)."""
    return composition.submit_service(SubmitSettings.from_env(), aws_client)


@traced
@metrics.log_metrics
@logger.inject_lambda_context
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    if is_test_event(event.raw_event):
        logger.info("ignoring s3:TestEvent")
        outcomes.count_outcome(SubmitOutcome.IGNORED)
        return {"results": []}
    service = submit_service()
    results = []
    for ref in article_refs(event):
        try:
            result = service.submit(ref, context.get_remaining_time_in_millis())
        except EndpointUnavailable:
            # Re-raised: Lambda retries the event and the released claim lets the retry call again.
            outcomes.count("EndpointUnavailable")
            raise
        results.append(outcomes.reported(result, logger))
    return {"results": results}

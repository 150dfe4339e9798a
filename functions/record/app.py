"""RecordFunction: SageMaker success/error notifications via SNS → the record COMPLETED or FAILED."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from precis_core import composition
from precis_core.adapters.clients import aws_client
from precis_core.adapters.metrics import OutcomeMetrics
from precis_core.adapters.tracing import traced
from precis_core.domain.function_settings import RecordSettings
from precis_core.domain.models import DispatchPending, MalformedNotification, ResultMissing
from precis_core.domain.notifications import parse_notification
from precis_core.services.record import RecordOutcome, RecordService

logger = Logger()
metrics = Metrics()
outcomes = OutcomeMetrics(
    metrics,
    {
        RecordOutcome.COMPLETED: "SummariesCompleted",
        RecordOutcome.FAILED: "SummariesFailed",
        RecordOutcome.DUPLICATE: "DuplicateNotifications",
        RecordOutcome.OUT_OF_ORDER: "OutOfOrderNotifications",
        RecordOutcome.UNKNOWN: "UnknownNotifications",
        RecordOutcome.UNTRUSTED: "UntrustedNotifications",
    },
)


@cache
def record_service() -> RecordService:
    """The container's service, wired to real clients on first use (settings checked here, loudly)."""
    return composition.record_service(RecordSettings.from_env(), aws_client)


@traced
@metrics.log_metrics
@logger.inject_lambda_context
@event_source(data_class=SNSEvent)
def lambda_handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    service = record_service()
    results = []
    for record in event.records:
        try:
            notification = parse_notification(record.sns.message)
        except MalformedNotification:
            # Raise: Lambda retries twice, then the on-failure destination keeps the message.
            logger.exception("not a SageMaker notification", extra={"message_id": record.sns.message_id})
            outcomes.count("MalformedNotifications")
            raise
        try:
            result = service.record(notification)
        except ResultMissing:
            # Re-raised: the output may still appear; after Lambda's retries the message waits in the DLQ.
            outcomes.count("MissingOutputs")
            raise
        except DispatchPending:
            # Re-raised: faster than the submit that stored its location; Lambda's retry comes after it.
            outcomes.count("EarlyNotifications")
            raise
        results.append(outcomes.reported(result, logger))
    return {"results": results}

"""The one place the services are wired to their adapters.

The four functions and the `precis` CLI call these with their settings (the function's environment,
or a deployed stack's parameters) and `client`, which returns a boto3 client for a service name:
`precis_core.adapters.clients.aws_client` in Lambda, a session bound to the chosen stack in the CLI.
"""

from __future__ import annotations

from precis_core.adapters.analytics_copy import AnalyticsCopy
from precis_core.adapters.articles import ArticleSource
from precis_core.adapters.clients import ClientFactory
from precis_core.adapters.inference_outputs import InferenceOutputs, ResultPaths
from precis_core.adapters.summarizer_endpoint import SummarizerEndpoint
from precis_core.adapters.summary_store import SummaryStore
from precis_core.domain.function_settings import (
    AnalyticsSettings,
    ReconcileSettings,
    RecordSettings,
    SubmitSettings,
    SummarizerEndpointSettings,
)
from precis_core.services.analytics import AnalyticsWriter
from precis_core.services.dispatch import Dispatcher
from precis_core.services.reconcile import Reconciler
from precis_core.services.record import RecordService
from precis_core.services.submit import SubmitService
from precis_core.services.upload_sweep import SweepCursor, UploadSweep


def submit_service(settings: SubmitSettings, client: ClientFactory) -> SubmitService:
    """Uploads → QUEUED records and InvokeEndpointAsync calls (SubmitFunction, `precis retry`)."""
    store = SummaryStore(settings.summaries_table, client("dynamodb"))
    return SubmitService(
        store,
        ArticleSource(client("s3")),
        dispatcher(store, settings.endpoint, client, time_scale=settings.time_scale),
        input_prefix=settings.input_prefix,
        max_input_bytes=settings.max_input_bytes,
        input_bucket=settings.input_bucket,
    )


def dispatcher(
    store: SummaryStore, endpoint: SummarizerEndpointSettings, client: ClientFactory, *, time_scale: float
) -> Dispatcher:
    """The endpoint calls for records (the submit service's, and reconcile's for unsent records)."""
    summarizer = SummarizerEndpoint(
        client("sagemaker-runtime"),
        endpoint.endpoint_name,
        endpoint.request_ttl_seconds,
        endpoint.invocation_timeout_seconds,
    )
    return Dispatcher(store, summarizer, time_scale=time_scale)


def record_service(settings: RecordSettings, client: ClientFactory) -> RecordService:
    """Notifications → COMPLETED or FAILED records (RecordFunction)."""
    return RecordService(
        SummaryStore(settings.summaries_table, client("dynamodb")),
        InferenceOutputs(client("s3")),
        ResultPaths(settings.output_path, settings.failure_path),
    )


def reconciler(settings: ReconcileSettings, client: ClientFactory) -> Reconciler:
    """Lost notifications settled from S3, unsent requests sent again, stale ones expired, uploads whose
    event was lost submitted (ReconcileFunction, `precis reconcile`)."""
    store = SummaryStore(settings.summaries_table, client("dynamodb"))
    outputs = InferenceOutputs(client("s3"))
    send = dispatcher(store, settings.endpoint, client, time_scale=settings.time_scale)
    return Reconciler(
        store,
        RecordService(store, outputs, ResultPaths(settings.output_path, settings.failure_path)),
        outputs,
        send,
        request_ttl_seconds=settings.endpoint.request_ttl_seconds,
        invocation_timeout_seconds=settings.endpoint.invocation_timeout_seconds,
        time_scale=settings.time_scale,
        uploads=upload_sweep(store, send, settings, client) if settings.input_bucket else None,
    )


def upload_sweep(
    store: SummaryStore, send: Dispatcher, settings: ReconcileSettings, client: ClientFactory
) -> UploadSweep:
    """Uploads without a record found and submitted as their event would have been."""
    submit = SubmitService(
        store,
        ArticleSource(client("s3")),
        send,
        input_prefix=settings.input_prefix,
        max_input_bytes=settings.max_input_bytes,
    )
    cursor = SweepCursor(settings.summaries_table, client("dynamodb"))
    return UploadSweep(client("s3"), settings.input_bucket, settings.input_prefix, store, submit, cursor)


def analytics_writer(settings: AnalyticsSettings, client: ClientFactory) -> AnalyticsWriter:
    """The table's stream batches → the analytics copy in S3 (AnalyticsFunction)."""
    return AnalyticsWriter(AnalyticsCopy(client("s3"), settings.analytics_bucket, settings.analytics_prefix))

"""The one place the services are wired to their adapters.

The three functions and the `precis` CLI call these with their settings (the function's environment,
or a deployed stack's parameters) and `client`, which returns a boto3 client for a service name:
`precis_core.clients.aws_client` in Lambda, a session bound to the chosen stack in the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from precis_core.articles import ArticleSource
from precis_core.dispatch import Dispatcher
from precis_core.reconcile import Reconciler
from precis_core.record import RecordService
from precis_core.results import InferenceOutputs, ResultPaths
from precis_core.settings import ReconcileSettings, RecordSettings, SubmitSettings
from precis_core.store import SummaryStore
from precis_core.submit import SubmitService
from precis_core.summarizer_endpoint import SummarizerEndpoint
from precis_core.upload_sweep import SweepCursor, UploadSweep

ClientFactory = Callable[[str], Any]


def submit_service(settings: SubmitSettings, client: ClientFactory) -> SubmitService:
    """Uploads → QUEUED records and InvokeEndpointAsync calls (SubmitFunction, `precis retry`)."""
    store = SummaryStore(settings.summaries_table, client("dynamodb"))
    return SubmitService(
        store,
        ArticleSource(client("s3")),
        dispatcher(store, settings, client),
        input_prefix=settings.input_prefix,
        max_input_bytes=settings.max_input_bytes,
    )


def dispatcher(
    store: SummaryStore, settings: SubmitSettings | ReconcileSettings, client: ClientFactory
) -> Dispatcher:
    """The endpoint calls for records (the submit service's, and reconcile's for unsent records)."""
    endpoint = SummarizerEndpoint(
        client("sagemaker-runtime"),
        settings.endpoint_name,
        settings.request_ttl_seconds,
        settings.invocation_timeout_seconds,
    )
    return Dispatcher(store, endpoint, time_scale=settings.time_scale)


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
    send = dispatcher(store, settings, client)
    return Reconciler(
        store,
        RecordService(store, outputs, ResultPaths(settings.output_path, settings.failure_path)),
        outputs,
        send,
        request_ttl_seconds=settings.request_ttl_seconds,
        invocation_timeout_seconds=settings.invocation_timeout_seconds,
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

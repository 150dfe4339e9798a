"""`precis retry` and `precis reconcile`: re-drive failures and recover lost notifications.

Both reuse the functions' own services (precis_core), so a retry is checked and dispatched exactly as
an upload is, and a reconciled record is settled exactly as a notification would settle it.
"""

from __future__ import annotations

from typing import Annotated

import typer
from precis_core import composition
from precis_core.domain.function_settings import ReconcileSettings, SubmitSettings, SummarizerEndpointSettings
from precis_core.domain.models import Status
from precis_core.services.submit import SubmitOutcome, SubmitResult
from rich.table import Table
from rich.text import Text

from precis.cli.console import EXIT_FAILED, EXIT_USAGE, console, explained_errors, fail, print_json, shown
from precis.cli.follow import WaitOption, follow
from precis.cli.option_groups import with_option_groups
from precis.cli.resources import INPUT_PREFIX, StackResources
from precis.cli.selection import SelectionError, checked, find_record, parse_duration, parse_since, select
from precis.cli.stack_options import JsonOption, Target


def summarizer_endpoint_settings(resources: StackResources) -> SummarizerEndpointSettings:
    """The endpoint and the request limits this stack's functions were deployed with."""
    return SummarizerEndpointSettings(
        endpoint_name=resources.endpoint_name,
        request_ttl_seconds=resources.number("RequestTTLSeconds"),
        invocation_timeout_seconds=resources.number("InvocationTimeoutSeconds"),
    )


def submit_settings(resources: StackResources) -> SubmitSettings:
    """The submit function's settings as this stack was deployed with them."""
    return SubmitSettings(
        summaries_table=resources.table_name,
        input_prefix=INPUT_PREFIX,
        max_input_bytes=resources.number("MaxInputBytes"),
        endpoint=summarizer_endpoint_settings(resources),
        time_scale=resources.target.time_scale,
    )


def reconcile_settings(resources: StackResources) -> ReconcileSettings:
    """The reconcile function's settings as this stack was deployed with them."""
    return ReconcileSettings(
        summaries_table=resources.table_name,
        output_path=resources.output_path,
        failure_path=resources.failure_path,
        endpoint=summarizer_endpoint_settings(resources),
        time_scale=resources.target.time_scale,
        input_bucket=resources.input_bucket,
        input_prefix=INPUT_PREFIX,
        max_input_bytes=resources.number("MaxInputBytes"),
    )


@with_option_groups
def retry(
    target: Target,
    references: Annotated[
        list[str] | None, typer.Argument(metavar="[ID|S3-URI]...", help="Documents to submit again.")
    ] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Retry every FAILED document.")] = False,
    collection: Annotated[
        str | None, typer.Option("--collection", help="With --failed: only this one.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="With --failed: submitted since (6h, 2d, ISO).")
    ] = None,
    wait: WaitOption = False,
    as_json: JsonOption = False,
) -> None:
    """Submit documents again as attempt + 1 (inference id <document_id>-<attempt>), keeping their history."""
    if bool(references) == failed:
        raise fail("name documents to retry, or pass --failed (not both)", EXIT_USAGE)
    since_at = checked(parse_since, since)
    with explained_errors():
        resources = target.open()
        service = composition.submit_service(submit_settings(resources), resources.target.client_factory())
        store = service.store
        if failed:
            # Collected first: requeueing moves records out of the index being read.
            documents = [
                r.document_id
                for r in select(store, status=Status.FAILED, collection=collection, since=since_at)
                if not r.dismissed_at
            ]
        else:
            documents = _documents(store, references or [], resources)
        results = [service.retry(document) for document in documents]
    if as_json and not wait:
        print_json([_result_dict(result) for result in results])
    elif not as_json:
        _show(results, len(documents) if failed else None)
    queued = [
        r.document_id for r in results if r.outcome is SubmitOutcome.QUEUED and r.document_id is not None
    ]
    ok = all(r.outcome is SubmitOutcome.QUEUED for r in results)
    if wait and queued:
        with explained_errors():
            ok = follow(store, queued, as_json=as_json) and ok
    if not ok:
        raise typer.Exit(EXIT_FAILED)


def _documents(store, references: list[str], resources: StackResources) -> list[str]:
    s3 = resources.target.client("s3")
    documents = []
    for reference in references:
        try:
            record = find_record(store, reference, s3=s3)
        except SelectionError as error:
            raise fail(str(error)) from None
        if record is None:
            raise fail(f"no document {reference}")
        documents.append(record.document_id)
    return documents


def _result_dict(result: SubmitResult) -> dict:
    return {
        "document_id": result.document_id,
        "inference_id": result.inference_id,
        "outcome": result.outcome.value,
        "reason": result.reason,
    }


def _show(results: list[SubmitResult], matched: int | None) -> None:
    if matched == 0:
        console.print("no FAILED documents to retry")
        return
    table = Table(box=None, header_style="bold")
    for column in ("document", "inference", "outcome", "reason"):
        table.add_column(column, overflow="fold")
    for result in results:
        style = "green" if result.outcome is SubmitOutcome.QUEUED else "red"
        table.add_row(
            shown(result.document_id),
            shown(result.inference_id or ""),
            Text(result.outcome.value, style=style),
            shown(result.reason or ""),
        )
    console.print(table)


@with_option_groups
def reconcile(
    target: Target,
    older_than: Annotated[
        str, typer.Option("--older-than", help="Only records queued at least this long (90s, 15m, 6h, 2d).")
    ] = "0s",
    as_json: JsonOption = False,
) -> None:
    """Settle QUEUED documents whose notification was lost: complete or fail them from the output or
    failure object in S3; mark FAILED ("expired") those past the request TTL with no object.

    The deployed stack also runs this on a schedule (ReconcileFunction); a second run changes nothing.
    """
    age = checked(parse_duration, older_than)
    with explained_errors():
        resources = target.open()
        reconciler = composition.reconciler(reconcile_settings(resources), resources.target.client_factory())
        report = reconciler.run(older_than=age)
    if as_json:
        print_json(report.to_dict())
        return
    counts = report.to_dict()["counts"]
    console.print(", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in counts.items()))
    for change in report.changed:
        console.print(f"  {shown(change['document_id'])}  {change['outcome']}")
    for problem in report.errors:
        console.print(f"  {shown(problem['document_id'])}  [red]error[/] {shown(problem['error'])}")

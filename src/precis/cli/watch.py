"""`precis watch`: a live view of the documents in flight and of the endpoint that is working on them.

The backlog and the age of the oldest request come from the async endpoint's CloudWatch metrics
(AWS/SageMaker, dimension EndpointName), the same in AWS and offline. The instance count comes from
DescribeEndpoint in AWS (the documented way to read it) and from the local endpoint's status offline,
where there is no SageMaker control plane.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from precis_core.adapters.summary_store import SummaryStore
from precis_core.domain.ids import parse_timestamp
from precis_core.domain.models import Status
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from precis.cli.console import console, explained_errors, print_json, shown
from precis.cli.option_groups import with_option_groups
from precis.cli.resources import StackResources, TargetError
from precis.cli.stack_options import JsonOption, Target, open_store
from precis.local.gatekeeper import admin_call

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.type_defs import MetricDataQueryTypeDef

NAMESPACE = "AWS/SageMaker"
METRICS = ("ApproximateBacklogSize", "ApproximateAgeOfOldestRequest", "HasBacklogWithoutCapacity")
_WINDOW = timedelta(minutes=15)  # async metrics arrive once a minute; look back far enough to find one


@dataclass(frozen=True)
class EndpointCapacity:
    status: str
    current_instances: int | None
    desired_instances: int | None


@dataclass(frozen=True)
class Snapshot:
    at: str
    endpoint: str
    capacity: EndpointCapacity
    metrics: dict[str, float | str | None]
    in_flight: list[dict]

    def to_dict(self) -> dict:
        return asdict(self)


def latest_metrics(
    cloudwatch: CloudWatchClient, endpoint_name: str, now: datetime
) -> dict[str, float | str | None]:
    """The newest one-minute datapoint of each async backlog metric (None when none was published),
    and when it was published: the metrics trail the documents by up to a minute."""
    queries: list[MetricDataQueryTypeDef] = [
        {
            "Id": f"m{index}",
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": name,
                    "Dimensions": [{"Name": "EndpointName", "Value": endpoint_name}],
                },
                "Period": 60,
                "Stat": "Maximum",
            },
            "ReturnData": True,
        }
        for index, name in enumerate(METRICS)
    ]
    response = cloudwatch.get_metric_data(
        MetricDataQueries=queries, StartTime=now - _WINDOW, EndTime=now, ScanBy="TimestampDescending"
    )
    values: dict[str, float | str | None] = {**dict.fromkeys(METRICS), "published_at": None}
    for result in response["MetricDataResults"]:
        name = METRICS[int(result["Id"][1:])]
        if result.get("Values"):
            values[name] = result["Values"][0]
            published = result["Timestamps"][0].astimezone(UTC).strftime("%H:%M:%S")
            values["published_at"] = max(values["published_at"] or "", published)
    return values


def endpoint_capacity(resources: StackResources) -> EndpointCapacity:
    if resources.target.is_local:
        return _local_capacity(resources.target.runtime_url or "", resources.target.admin_secret)
    description = resources.target.client("sagemaker").describe_endpoint(EndpointName=resources.endpoint_name)
    variants: Sequence[Mapping[str, Any]] = description.get("ProductionVariants") or [{}]
    variant = variants[0]
    return EndpointCapacity(
        status=description["EndpointStatus"],
        current_instances=variant.get("CurrentInstanceCount"),
        desired_instances=variant.get("DesiredInstanceCount"),
    )


def _local_capacity(runtime_url: str, admin_secret: str | None) -> EndpointCapacity:
    try:
        status = admin_call(runtime_url, "status", admin_secret)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise TargetError(f"cannot reach the local endpoint at {runtime_url}: {error}") from None
    # Like SageMaker: an endpoint scaled to zero is still InService and takes requests.
    return EndpointCapacity(
        status="InService",
        current_instances=status.get("in_service"),
        desired_instances=status.get("instances"),
    )


def in_flight(store: SummaryStore, now: datetime, limit: int) -> list[dict]:
    """The newest QUEUED documents with how long each has waited."""
    page = store.query_by_status(Status.QUEUED, limit=limit)
    return [
        {
            "document_id": record.document_id,
            "title": record.title,
            "collection": record.collection,
            "attempt": record.attempt,
            "waiting_s": round((now - parse_timestamp(record.submitted_at)).total_seconds()),
        }
        for record in page.records
    ]


def take_snapshot(
    resources: StackResources, store: SummaryStore, cloudwatch: CloudWatchClient, limit: int
) -> Snapshot:
    now = datetime.now(UTC)
    return Snapshot(
        at=now.strftime("%H:%M:%S"),
        endpoint=resources.endpoint_name,
        capacity=endpoint_capacity(resources),
        metrics=latest_metrics(cloudwatch, resources.endpoint_name, now),
        in_flight=in_flight(store, now, limit),
    )


def render(snapshot: Snapshot) -> Group:
    capacity = snapshot.capacity
    metrics = snapshot.metrics
    header = Table.grid(padding=(0, 2))
    current, desired = _number(capacity.current_instances), _number(capacity.desired_instances)
    header.add_row(
        Text(f"endpoint {snapshot.endpoint}", style="bold"),
        f"status {capacity.status}",
        f"instances {current} in service, {desired} desired",
    )
    header.add_row(
        f"backlog {_number(metrics['ApproximateBacklogSize'])}",
        f"oldest request {_number(metrics['ApproximateAgeOfOldestRequest'])}s",
        f"CloudWatch, minute from {metrics['published_at'] or '-'}"
        + (", backlog without capacity" if metrics["HasBacklogWithoutCapacity"] else ""),
    )
    documents = Table(
        box=None, header_style="bold", title=f"in flight at {snapshot.at}", title_justify="left"
    )
    for column in ("document", "title", "collection", "attempt", "waiting"):
        documents.add_column(column, overflow="ellipsis", no_wrap=True, max_width=40)
    for item in snapshot.in_flight:
        documents.add_row(
            shown(item["document_id"]),
            shown(item["title"] or ""),
            shown(item["collection"]),
            str(item["attempt"]),
            f"{item['waiting_s']}s",
        )
    if not snapshot.in_flight:
        documents.add_row("nothing queued", "", "", "", "")
    return Group(header, Text(""), documents)


def _number(value: float | str | None) -> str:
    return "-" if value is None else f"{round(float(value)):d}"


@with_option_groups
def watch(
    target: Target,
    interval: Annotated[float, typer.Option("--interval", min=0.5, help="Seconds between refreshes.")] = 5.0,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Show at most this many in-flight documents.")
    ] = 20,
    once: Annotated[bool, typer.Option("--once", help="Print one snapshot and exit.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Live view of in-flight documents, the endpoint's backlog and its instance count (Ctrl-C stops).

    --json prints one snapshot as JSON.
    """
    with explained_errors():
        resources = target.open()
        store = open_store(resources)
        cloudwatch = resources.target.client("cloudwatch")
        snapshot = take_snapshot(resources, store, cloudwatch, limit)
        if as_json:
            print_json(snapshot.to_dict())
            return
        if once:
            console.print(render(snapshot))
            return
        try:
            with Live(render(snapshot), console=console, refresh_per_second=4) as live:
                while True:
                    time.sleep(interval)
                    live.update(render(take_snapshot(resources, store, cloudwatch, limit)))
        except KeyboardInterrupt:
            return

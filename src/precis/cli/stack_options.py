"""The options every document command shares: which stack (AWS or local), which region, JSON output."""

from __future__ import annotations

from typing import Annotated

import typer
from precis_core.adapters.summary_store import SummaryStore

from precis.cli.resources import StackResources, StackTarget, choose_target, describe

TARGET_HELP = (
    "Which stack: --stack NAME reads a deployed stack's Outputs; --endpoint-url URL talks to the local "
    "stack (moto on URL, the SageMaker runtime on the next port). With neither, a running "
    "`precis local up` stack is used."
)

StackOption = Annotated[
    str | None,
    typer.Option(
        "--stack",
        envvar="PRECIS_STACK",
        help="Deployed CloudFormation stack name (AWS).",
        rich_help_panel="Target",
    ),
]
EndpointUrlOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        envvar="PRECIS_ENDPOINT_URL",
        help="Local stack URL, e.g. http://127.0.0.1:4566 (default: the running local stack).",
        rich_help_panel="Target",
    ),
]
RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        envvar="AWS_REGION",
        help="AWS region (default: your AWS configuration).",
        rich_help_panel="Target",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def target_of(stack: str | None, endpoint_url: str | None, region: str | None) -> StackTarget:
    return choose_target(stack, endpoint_url, region)


def open_stack(stack: str | None, endpoint_url: str | None, region: str | None) -> StackResources:
    """The chosen stack's resource names; errors are explained by the caller's `explained_errors`."""
    return describe(target_of(stack, endpoint_url, region))


def open_store(resources: StackResources) -> SummaryStore:
    """The summaries table of the chosen stack."""
    return SummaryStore(resources.table_name, resources.target.client("dynamodb"))

"""The options every document command shares: which stack (AWS or local), which region, JSON output.

`Target` is the --stack/--endpoint-url/--region group: a command takes `target: Target` and is
decorated with `with_option_groups` (precis.cli.option_groups), which gives it the three options.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from precis.cli.resources import StackResources, choose_target, describe

if TYPE_CHECKING:  # imported by open_store: it brings boto3, which commands without a store never need
    from precis_core.adapters.summary_store import SummaryStore

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
CollectionOption = Annotated[str | None, typer.Option("--collection", help="Only this collection.")]


@dataclass(frozen=True)
class Target:
    """Which stack a document command works on, as its --stack, --endpoint-url and --region chose."""

    stack: StackOption = None
    endpoint_url: EndpointUrlOption = None
    region: RegionOption = None

    def open(self) -> StackResources:
        """The chosen stack's resource names; errors are explained by the caller's `explained_errors`."""
        return describe(choose_target(self.stack, self.endpoint_url, self.region))


def open_store(resources: StackResources) -> SummaryStore:
    """The summaries table of the chosen stack."""
    from precis_core.adapters.summary_store import SummaryStore

    return SummaryStore(resources.table_name, resources.target.client("dynamodb"))

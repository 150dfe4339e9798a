"""`precis check-concurrency`: can the account give SubmitFunction the reserved concurrency a deploy asks for?

Lambda keeps at least 100 of a region's concurrency unreserved ("You can reserve up to the Unreserved
account concurrency value minus 100", Lambda developer guide), and new accounts may start with a quota of
10 in all. A reservation the account cannot give fails the stack update after it has started and rolls it
back; `make deploy` runs this check first and stops with the numbers instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer
from botocore.exceptions import ClientError

from precis.cli.console import console, explained_errors, fail
from precis.cli.resources import StackTarget
from precis.cli.stack_options import RegionOption

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_lambda import LambdaClient

UNRESERVED_MINIMUM = 100
"""Concurrency Lambda keeps for functions without a reservation."""


@dataclass(frozen=True)
class ReservationCheck:
    """The account's concurrency against one requested reservation for the stack's SubmitFunction."""

    requested: int
    account_limit: int
    unreserved: int
    held: int
    """What the stack's SubmitFunction reserves now: the update gives it back before taking the new one."""

    @property
    def available(self) -> int:
        return max(self.unreserved + self.held - UNRESERVED_MINIMUM, 0)

    @property
    def fits(self) -> bool:
        return self.requested <= self.available

    def explain(self) -> str:
        held = f" (+{self.held} SubmitFunction holds now)" if self.held else ""
        return (
            f"account concurrency {self.account_limit}, unreserved {self.unreserved}{held}; Lambda keeps "
            f"{UNRESERVED_MINIMUM} unreserved, so at most {self.available} can be reserved"
        )


def check_reservation(
    lambda_client: LambdaClient, cloudformation: CloudFormationClient, stack_name: str, requested: int
) -> ReservationCheck:
    """Reads the account's limits (GetAccountSettings) and what the stack's function holds already."""
    limits = lambda_client.get_account_settings()["AccountLimit"]
    return ReservationCheck(
        requested=requested,
        account_limit=limits["ConcurrentExecutions"],
        unreserved=limits["UnreservedConcurrentExecutions"],
        held=_held_by_submit(lambda_client, cloudformation, stack_name),
    )


def _held_by_submit(
    lambda_client: LambdaClient, cloudformation: CloudFormationClient, stack_name: str
) -> int:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in error.response.get("Error", {}).get("Message", ""):
            return 0  # a first deploy: nothing reserved yet
        raise
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    function = outputs.get("SubmitFunctionName")
    if not function:
        return 0
    concurrency = lambda_client.get_function_concurrency(FunctionName=function)
    return concurrency.get("ReservedConcurrentExecutions", 0)


def check_concurrency(
    stack: Annotated[
        str,
        typer.Option(
            "--stack", help="The stack being deployed.", show_default=False, rich_help_panel="Target"
        ),
    ],
    reserve: Annotated[int, typer.Option("--reserve", min=1, help="SubmitReservedConcurrency asked for.")],
    region: RegionOption = None,
) -> None:
    """Check that the account can reserve this much concurrency for SubmitFunction (run by `make deploy`)."""
    target = StackTarget(stack_name=stack, region=region)
    with explained_errors():
        session = target.session()
        check = check_reservation(
            target.client("lambda", session), target.client("cloudformation", session), stack, reserve
        )
    if not check.fits:
        raise fail(
            f"SubmitReservedConcurrency={reserve} does not fit: {check.explain()}. Deploy with "
            "SubmitReservedConcurrency=0 (no reservation), a smaller value, or ask Service Quotas for more "
            "Lambda concurrent executions."
        )
    console.print(f"reserved concurrency {reserve} fits: {check.explain()}", highlight=False)


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    app.command("check-concurrency")(check_concurrency)

"""`precis delete`: empty the stack's buckets (every version), then let CloudFormation delete the rest.

CloudFormation removes resources in reverse dependency order, so the scaling policies go before the
scalable target, which goes before the endpoint, its config and the model; nothing is deregistered by
hand. Buckets must be empty first, or their deletion (and so the stack's) fails.
"""

from __future__ import annotations

from typing import Annotated

import typer
from botocore.exceptions import WaiterError

from precis.cli.console import console, explained_errors, fail
from precis.cli.resources import StackTarget, describe

_DELETE_BATCH = 1000  # DeleteObjects takes at most 1000 keys per call
_WAIT_DELAY_SECONDS = 15
_WAIT_MAX_ATTEMPTS = 240  # an endpoint can take several minutes to delete


def stack_buckets(cloudformation, stack_name: str) -> list[str]:
    """Every bucket the stack owns, found from its resources rather than a list of output names."""
    buckets = []
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for resource in page["StackResourceSummaries"]:
            if (
                resource["ResourceType"] == "AWS::S3::Bucket"
                and resource.get("PhysicalResourceId")
                and (resource["ResourceStatus"] != "DELETE_COMPLETE")
            ):
                buckets.append(resource["PhysicalResourceId"])
    return buckets


def empty_bucket(s3, bucket: str) -> int:
    """Deletes every object version and delete marker; returns how many were removed."""
    removed = 0
    if not _bucket_exists(s3, bucket):
        return removed
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        entries = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for start in range(0, len(entries), _DELETE_BATCH):
            batch = entries[start : start + _DELETE_BATCH]
            response = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            if response.get("Errors"):
                first = response["Errors"][0]
                raise RuntimeError(f"could not delete s3://{bucket}/{first['Key']}: {first['Message']}")
            removed += len(batch)
    return removed


def delete_stack(target: StackTarget, *, wait_delay: int = _WAIT_DELAY_SECONDS) -> dict[str, int]:
    """Empties the stack's buckets and deletes the stack, waiting until CloudFormation is done."""
    session = target.session()
    cloudformation = target.client("cloudformation", session)
    s3 = target.client("s3", session)
    describe(target, cloudformation)
    emptied = {}
    for bucket in stack_buckets(cloudformation, target.stack_name):
        emptied[bucket] = empty_bucket(s3, bucket)
        console.print(f"emptied s3://{bucket} ({emptied[bucket]} object versions)")
    stack_id = cloudformation.describe_stacks(StackName=target.stack_name)["Stacks"][0]["StackId"]
    cloudformation.delete_stack(StackName=stack_id)
    console.print(f"deleting stack {target.stack_name} …")
    try:
        cloudformation.get_waiter("stack_delete_complete").wait(
            StackName=stack_id, WaiterConfig={"Delay": wait_delay, "MaxAttempts": _WAIT_MAX_ATTEMPTS}
        )
    except WaiterError as error:
        reasons = _failure_reasons(cloudformation, stack_id)
        raise RuntimeError(f"stack deletion did not complete: {error}; {reasons}") from None
    return emptied


def _failure_reasons(cloudformation, stack_id: str) -> str:
    events = cloudformation.describe_stack_events(StackName=stack_id)["StackEvents"]
    failed = [
        f"{event['LogicalResourceId']}: {event.get('ResourceStatusReason', '')}"
        for event in events
        if event["ResourceStatus"] == "DELETE_FAILED"
    ]
    return "; ".join(failed[:5]) or "see the stack's events in the CloudFormation console"


def _bucket_exists(s3, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] in {"404", "NoSuchBucket", "NotFound"}:
            return False
        raise
    return True


def delete(
    stack: Annotated[str, typer.Option("--stack", help="The deployed stack to delete.", show_default=False)],
    region: Annotated[str | None, typer.Option("--region", envvar="AWS_REGION", help="AWS region.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a deployed stack: empty its buckets (all versions), then delete every resource it created.

    The local stack is stopped with `precis local down` instead.
    """
    target = StackTarget(stack_name=stack, region=region)
    with explained_errors():
        if not yes:
            describe(target)
            typer.confirm(
                f"Delete stack {stack}, every object in its buckets and its SageMaker endpoint?", abort=True
            )
        try:
            delete_stack(target)
        except RuntimeError as error:
            raise fail(str(error)) from None
    console.print(f"[green]stack {stack} deleted[/]")

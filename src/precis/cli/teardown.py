"""`precis delete`: delete the stack, then the data it retains (its buckets, summaries table and
dead-letter queues).

The template retains the buckets, the table and the dead-letter queues (DeletionPolicy
RetainExceptOnCreate, UpdateReplacePolicy Retain, table deletion protection), so a stack deleted or
replaced by mistake loses no article, summary or undelivered event, while a first deploy that rolls back
leaves nothing behind to block the retry. `precis delete` keeps the promise of a clean account: it
reports how many undelivered events each dead-letter queue holds, and after CloudFormation has deleted
the stack it empties and deletes the buckets (every version), deletes the table and the queues, unless
`--keep-data` asks to keep them. CloudFormation removes the rest in reverse dependency order (scaling
policies, scalable target, endpoint, its config, the model); nothing is deregistered by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import typer
from botocore.exceptions import WaiterError

from precis.cli.console import console, explained_errors, fail, shown
from precis.cli.resources import StackTarget, describe
from precis.cli.stack_options import RegionOption

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

_DELETE_BATCH = 1000  # DeleteObjects takes at most 1000 keys per call
_WAIT_DELAY_SECONDS = 15
_WAIT_MAX_ATTEMPTS = 240  # an endpoint can take several minutes to delete
_DATA_TYPES = {"AWS::S3::Bucket": "buckets", "AWS::DynamoDB::Table": "tables", "AWS::SQS::Queue": "queues"}
_RETAINED = {"Retain", "RetainExceptOnCreate"}  # after the create, both keep the resource
_QUEUE_COUNTS: list[QueueAttributeNameType] = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
]


@dataclass
class StackData:
    """Where a stack keeps its data, by physical name, and which of it CloudFormation would delete."""

    buckets: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    """Dead-letter queue URLs."""
    deleted_with_the_stack: list[str] = field(default_factory=list)
    """Logical ids of buckets and tables the stack's template does not retain (a stack deployed before
    its template retained its dead-letter queues loses them with the stack; their count is reported)."""
    disposable: list[str] = field(default_factory=list)
    """Buckets the template declares `DeletionPolicy: Delete` on purpose (Athena's query results): not
    data, emptied so that CloudFormation deletes them with the stack, whatever --keep-data says."""


def stack_data(cloudformation: CloudFormationClient, stack_name: str) -> StackData:
    """The stack's buckets and tables, from its resources, and whether its template retains them."""
    resources = cloudformation.get_template(StackName=stack_name, TemplateStage="Processed")["TemplateBody"]
    declared = (json.loads(resources) if isinstance(resources, str) else resources)["Resources"]
    data = StackData()
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for resource in page["StackResourceSummaries"]:
            kind = _DATA_TYPES.get(resource["ResourceType"])
            gone = resource["ResourceStatus"] == "DELETE_COMPLETE"
            if not kind or gone or not resource.get("PhysicalResourceId"):
                continue
            policy = declared.get(resource["LogicalResourceId"], {}).get("DeletionPolicy")
            if kind == "buckets" and policy == "Delete":  # absent means Delete too, but not on purpose
                data.disposable.append(resource["PhysicalResourceId"])
                continue
            getattr(data, kind).append(resource["PhysicalResourceId"])
            if policy not in _RETAINED and kind != "queues":
                data.deleted_with_the_stack.append(resource["LogicalResourceId"])
    return data


def empty_bucket(s3: S3Client, bucket: str) -> int:
    """Deletes every object version and delete marker; returns how many were removed."""
    removed = 0
    if not _bucket_exists(s3, bucket):
        return removed
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        entries: list[ObjectIdentifierTypeDef] = [
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


def delete_stack(
    target: StackTarget, *, keep_data: bool = False, wait_delay: int = _WAIT_DELAY_SECONDS
) -> None:
    """Deletes the stack, waiting until CloudFormation is done, then its data unless `keep_data`."""
    session = target.session()
    cloudformation = target.client("cloudformation", session)
    s3 = target.client("s3", session)
    describe(target, cloudformation)
    data = stack_data(cloudformation, target.stack_name)
    if keep_data and data.deleted_with_the_stack:
        raise RuntimeError(
            f"--keep-data cannot keep {', '.join(data.deleted_with_the_stack)}: this stack's template does "
            "not retain them; deploy the current template first"
        )
    sqs = target.client("sqs", session)
    waiting = {queue: undelivered(sqs, queue) for queue in data.queues}
    for queue, count in waiting.items():
        if count:
            console.print(f"{shown(_queue_name(queue))} holds {count} undelivered events")
    # CloudFormation deletes only empty buckets: the disposable ones always, and, without --keep-data,
    # the data buckets of a template that does not retain them.
    for bucket in data.disposable + ([] if keep_data else data.buckets):
        _report_emptied(bucket, empty_bucket(s3, bucket))
    stack_id = cloudformation.describe_stacks(StackName=target.stack_name)["Stacks"][0]["StackId"]
    cloudformation.delete_stack(StackName=stack_id)
    console.print(f"deleting stack {shown(target.stack_name)} …")
    try:
        cloudformation.get_waiter("stack_delete_complete").wait(
            StackName=stack_id, WaiterConfig={"Delay": wait_delay, "MaxAttempts": _WAIT_MAX_ATTEMPTS}
        )
    except WaiterError as error:
        reasons = _failure_reasons(cloudformation, stack_id)
        raise RuntimeError(f"stack deletion did not complete: {error}; {reasons}") from None
    if keep_data:
        for bucket in data.buckets:
            console.print(f"kept s3://{shown(bucket)}")
        for table in data.tables:
            console.print(f"kept table {shown(table)}")
        for queue in data.queues:
            if _queue_exists(sqs, queue):
                console.print(f"kept queue {shown(queue)} ({waiting[queue]} undelivered events)")
        return
    for bucket in data.buckets:
        _delete_bucket(s3, bucket)
    for table in data.tables:
        _delete_table(target.client("dynamodb", session), table, wait_delay)
    for queue in data.queues:
        if _queue_exists(sqs, queue):
            sqs.delete_queue(QueueUrl=queue)
            console.print(f"deleted queue {shown(_queue_name(queue))} ({waiting[queue]} undelivered events)")


def undelivered(sqs: SQSClient, queue: str) -> int:
    """Messages a dead-letter queue holds, visible or in flight (0 for a queue already gone)."""
    try:
        attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=_QUEUE_COUNTS)["Attributes"]
    except sqs.exceptions.QueueDoesNotExist:
        return 0
    return sum(int(attributes.get(name, "0")) for name in _QUEUE_COUNTS)


def _queue_exists(sqs: SQSClient, queue: str) -> bool:
    try:
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    except sqs.exceptions.QueueDoesNotExist:
        return False
    return True


def _queue_name(queue_url: str) -> str:
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


def _report_emptied(bucket: str, removed: int) -> None:
    console.print(f"emptied s3://{shown(bucket)} ({removed} object versions)")


def _delete_bucket(s3: S3Client, bucket: str) -> None:
    """A retained bucket after the stack: empty again (the endpoint may have written until it went)."""
    if not _bucket_exists(s3, bucket):
        return
    removed = empty_bucket(s3, bucket)
    if removed:
        _report_emptied(bucket, removed)
    s3.delete_bucket(Bucket=bucket)
    console.print(f"deleted s3://{shown(bucket)}")


def _delete_table(dynamodb: DynamoDBClient, table: str, wait_delay: int) -> None:
    try:
        dynamodb.update_table(TableName=table, DeletionProtectionEnabled=False)
    except dynamodb.exceptions.ResourceNotFoundException:
        return  # CloudFormation deleted it with the stack
    dynamodb.delete_table(TableName=table)
    dynamodb.get_waiter("table_not_exists").wait(
        TableName=table, WaiterConfig={"Delay": wait_delay, "MaxAttempts": _WAIT_MAX_ATTEMPTS}
    )
    console.print(f"deleted table {shown(table)}")


def _failure_reasons(cloudformation: CloudFormationClient, stack_id: str) -> str:
    events = cloudformation.describe_stack_events(StackName=stack_id)["StackEvents"]
    failed = [
        f"{event['LogicalResourceId']}: {event.get('ResourceStatusReason', '')}"
        for event in events
        if event["ResourceStatus"] == "DELETE_FAILED"
    ]
    return "; ".join(failed[:5]) or "see the stack's events in the CloudFormation console"


def _bucket_exists(s3: S3Client, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] in {"404", "NoSuchBucket", "NotFound"}:
            return False
        raise
    return True


def delete(
    stack: Annotated[
        str,
        typer.Option(
            "--stack", help="The deployed stack to delete.", show_default=False, rich_help_panel="Target"
        ),
    ],
    region: RegionOption = None,
    keep_data: Annotated[
        bool,
        typer.Option(
            "--keep-data", help="Keep the buckets, the summaries table and the dead-letter queues (retained)."
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a deployed stack, then its buckets (every version), summaries table and dead-letter queues
    unless --keep-data (the undelivered events each queue holds are counted first).

    The local stack is stopped with `precis local down` instead.
    """
    target = StackTarget(stack_name=stack, region=region)
    with explained_errors():
        if not yes:
            describe(target)
            question = (
                f"Delete stack {shown(stack)} and its SageMaker endpoint (its dead-letter queues stay), "
                "keeping its buckets and summaries table?"
                if keep_data
                else f"Delete stack {shown(stack)}, its SageMaker endpoint, its dead-letter queues, every "
                "object in its buckets and its summaries table?"
            )
            typer.confirm(question, abort=True)
        try:
            delete_stack(target, keep_data=keep_data)
        except RuntimeError as error:
            raise fail(str(error)) from None
    console.print(f"[green]stack {shown(stack)} deleted[/]")

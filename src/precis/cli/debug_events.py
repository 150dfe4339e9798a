"""`precis local generate-event`: the events the functions receive, as the services send them, for
`precis local invoke -e -` (like `sam local generate-event`, with the real object's size, ETag and
version, or the document's record, when a local stack is running)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from precis.cli.console import EXIT_USAGE, fail
from precis.cli.resources import choose_target
from precis.cli.stack_options import EndpointUrlOption
from precis.local.invoke import events
from precis.local.state import read_state
from precis.template import TemplateError, load_stack
from precis.template.functions import lambda_functions

events_app = typer.Typer(
    help="Print an event as S3, SNS (SageMaker's notifications), EventBridge or a DynamoDB stream sends it "
    "to a function.",
    no_args_is_help=True,
)
RegionOption = Annotated[str, typer.Option("--region", help="The event's region.")]
DocumentOption = Annotated[str, typer.Option("--document", help="The document id the notification is for.")]
AttemptOption = Annotated[
    int | None, typer.Option("--attempt", min=1, help="The attempt (default: the record's, else 1).")
]
_deserializer = TypeDeserializer()


def register(app: typer.Typer) -> None:
    app.add_typer(events_app, name="generate-event")


def _print(event: dict) -> None:
    typer.echo(json.dumps(event, indent=2))


def _running_stack() -> dict | None:
    state = read_state()
    return state if state and "outputs" in state else None


def _outputs(region: str) -> dict[str, str]:
    """The local stack's outputs (the running one's, else the template's resolved for it)."""
    state = _running_stack()
    if state:
        return state["outputs"]
    try:
        return dict(load_stack(region=region).outputs)
    except TemplateError as error:
        raise fail(str(error), EXIT_USAGE) from None


def _client(service: str, endpoint_url: str | None) -> Any:
    """A client of the local stack at --endpoint-url or the running one; None when there is neither."""
    if endpoint_url is None and _running_stack() is None:
        return None
    return choose_target(None, endpoint_url, None).client(service)


@events_app.command("s3-put")
def s3_put(
    key: Annotated[str, typer.Option("--key", help="The object's key, as uploaded (not encoded).")],
    bucket: Annotated[str | None, typer.Option("--bucket", help="Default: the input bucket.")] = None,
    size: Annotated[int | None, typer.Option("--size", help="Default: the object's, else 1024.")] = None,
    etag: Annotated[
        str | None, typer.Option("--etag", help="Default: the object's, else a placeholder.")
    ] = None,
    version_id: Annotated[str | None, typer.Option("--version-id", help="Default: the object's.")] = None,
    region: RegionOption = "us-east-1",
    endpoint_url: EndpointUrlOption = None,
) -> None:
    """S3's ObjectCreated:Put for an upload (SubmitFunction); the key URL-encoded as S3 encodes it."""
    bucket = bucket or _outputs(region)["InputBucketName"]
    found = _head(bucket, key, endpoint_url) if None in (size, etag, version_id) else {}
    obj = events.S3Object(
        bucket=bucket,
        key=key,
        size=size if size is not None else found.get("ContentLength", 1024),
        etag=etag or found.get("ETag", events.PLACEHOLDER_ETAG).strip('"'),
        version_id=version_id or found.get("VersionId"),
    )
    _print(events.s3_put(obj, region))


def _head(bucket: str, key: str, endpoint_url: str | None) -> dict:
    """The object on the local stack (empty when there is none, or no stack)."""
    s3 = _client("s3", endpoint_url)
    try:
        return s3.head_object(Bucket=bucket, Key=key) if s3 else {}
    except ClientError:
        return {}


def _record(document: str, table: str, endpoint_url: str | None) -> dict:
    """The document's record on the local stack (empty when there is none, or no stack)."""
    dynamodb = _client("dynamodb", endpoint_url)
    if dynamodb is None:
        return {}
    item = dynamodb.get_item(TableName=table, Key={"document_id": {"S": document}})
    return {name: _deserializer.deserialize(value) for name, value in item.get("Item", {}).items()}


def _inference_result(
    document: str, attempt: int | None, region: str, reason: str | None, endpoint_url: str | None
) -> tuple:
    outputs = _outputs(region)
    record = _record(document, outputs["SummariesTableName"], endpoint_url)
    inference_id = f"{document}-{attempt or int(record.get('attempt', 1))}"
    output = f"s3://{outputs['OutputBucketName']}"
    result = events.InferenceResult(
        inference_id=inference_id,
        endpoint_name=outputs["EndpointName"],
        input_location=record.get("input_location", f"s3://{outputs['InputBucketName']}/incoming/{document}"),
        output_location=record.get("output_location", f"{output}/async-output/{inference_id}.out"),
        failure_location=f"{output}/async-failures/{inference_id}-error.out" if reason else None,
        failure_reason=reason,
        content_type=record.get("content_type", "text/plain"),
    )
    return result, outputs


@events_app.command("sns-success")
def sns_success(
    document: DocumentOption,
    attempt: AttemptOption = None,
    region: RegionOption = "us-east-1",
    endpoint_url: EndpointUrlOption = None,
) -> None:
    """SageMaker's success notification for a document, via SNS (RecordFunction)."""
    result, outputs = _inference_result(document, attempt, region, None, endpoint_url)
    _print(events.sagemaker_notification(result, outputs["SuccessTopicArn"], region))


@events_app.command("sns-error")
def sns_error(
    document: DocumentOption,
    attempt: AttemptOption = None,
    reason: Annotated[str, typer.Option("--reason", help="SageMaker's failureReason.")] = (
        'ClientError: Received client error (400) from primary with message "the inference failed".'
    ),
    region: RegionOption = "us-east-1",
    endpoint_url: EndpointUrlOption = None,
) -> None:
    """SageMaker's error notification for a document, via SNS (RecordFunction)."""
    result, outputs = _inference_result(document, attempt, region, reason, endpoint_url)
    _print(events.sagemaker_notification(result, outputs["ErrorTopicArn"], region))


@events_app.command("dynamodb-completed")
def dynamodb_completed(
    document: DocumentOption,
    endpoint_url: EndpointUrlOption = None,
) -> None:
    """The summaries table's stream record of the document's COMPLETED write (AnalyticsFunction), read
    from the running local stack's stream."""
    streams = _client("dynamodbstreams", endpoint_url)
    if streams is None:
        raise fail(
            "dynamodb-completed reads the local stack's stream: start it (`precis local up`)", EXIT_USAGE
        )
    table = _outputs("us-east-1")["SummariesTableName"]
    dynamodb = _client("dynamodb", endpoint_url)
    stream_arn = dynamodb.describe_table(TableName=table)["Table"].get("LatestStreamArn")
    event = events.stream_completion(streams, stream_arn, document) if stream_arn else None
    if event is None:
        raise fail(f"the stream holds no COMPLETED write of {document} (it keeps 24 hours)")
    _print(event)


@events_app.command("schedule")
def schedule(
    function: Annotated[
        str, typer.Option("--function", help="The scheduled function.")
    ] = "ReconcileFunction",
    region: RegionOption = "us-east-1",
) -> None:
    """EventBridge's Scheduled Event for the function's schedule rule (ReconcileFunction)."""
    state = _running_stack() or {}
    stack = load_stack(stack_name=state.get("stack_name", "precis-local"), region=region)
    target = lambda_functions(stack).get(function)
    if target is None or not target.schedules:
        scheduled = [lid for lid, f in lambda_functions(stack).items() if f.schedules]
        raise fail(f"{function!r} has no schedule; scheduled functions: {', '.join(scheduled)}", EXIT_USAGE)
    _print(events.schedule(target.schedules[0].rule_arn, stack.account_id, region))

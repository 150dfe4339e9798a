"""`precis redrive`: apply again what a function's on-failure queue kept, deleting each message only after.

SubmitFunction's queue holds Lambda's failure records of S3 events (their `requestPayload`), left for
example by an endpoint outage longer than Lambda's retries; RecordFunction's holds the SNS
notifications it gave up on. Each event goes through the function's own service, so a replay is
checked, recorded and deduplicated exactly as the first delivery was. A message whose events all went
through is deleted; one that fails again stays (hidden for a few minutes) for the next redrive.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from aws_lambda_powertools.utilities.data_classes import S3Event
from precis_core import composition
from precis_core.domain.function_settings import RecordSettings
from precis_core.domain.models import PrecisError
from precis_core.domain.notifications import parse_notification
from precis_core.services.submit import article_refs, is_test_event
from rich.table import Table

from precis.cli.console import EXIT_FAILED, console, explained_errors, print_json, shown
from precis.cli.option_groups import with_option_groups
from precis.cli.recovery import submit_settings
from precis.cli.resources import StackResources
from precis.cli.stack_options import JsonOption, Target

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    from mypy_boto3_sqs import SQSClient

# While one redrive works on a message nobody else receives it; a failed one shows again after this.
_HIDDEN_SECONDS = 300


class FailedFunction(StrEnum):
    submit = "submit"
    record = "record"


QUEUE_OUTPUTS = {
    FailedFunction.submit: "SubmitDeadLetterQueueUrl",
    FailedFunction.record: "RecordDeadLetterQueueUrl",
}


@dataclass(frozen=True)
class Replayed:
    message_id: str
    what: str  # the article's key, or the notification's inference id
    outcome: str
    reason: str | None = None
    done: bool = True  # handled: the message may go


def failed_event(body: str) -> dict[str, Any]:
    """The event in a queue message: a Lambda destination record's `requestPayload`, or (a legacy
    dead-letter queue) the body itself. ValueError if it is neither."""
    payload = json.loads(body)
    if not isinstance(payload, dict):
        raise ValueError("the message is not a JSON object")
    event = payload.get("requestPayload", payload)
    if not isinstance(event, dict):
        raise ValueError("the message's requestPayload is not an event")
    return event


@with_option_groups
def redrive(
    target: Target,
    function: Annotated[
        FailedFunction,
        typer.Option("--function", help="Whose on-failure queue: submit (S3 events) or record."),
    ] = FailedFunction.submit,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many messages.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Apply again the events a function gave up on (its on-failure queue); each message goes once done."""
    with explained_errors():
        resources = target.open()
        queue = resources.output(QUEUE_OUTPUTS[function])
        sqs = resources.target.client("sqs")
        replay = _submitter(resources) if function is FailedFunction.submit else _recorder(resources)
        replayed = _drain(sqs, queue, replay, limit)
    if as_json:
        print_json([asdict(item) for item in replayed])
    else:
        _show(replayed)
    if not all(item.done for item in replayed):
        raise typer.Exit(EXIT_FAILED)


def _drain(
    sqs: SQSClient, queue: str, replay: Callable[[str, dict], list[Replayed]], limit: int | None
) -> list[Replayed]:
    replayed: list[Replayed] = []
    handled = 0
    while limit is None or handled < limit:
        wanted = 10 if limit is None else min(10, limit - handled)
        messages = sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=wanted, VisibilityTimeout=_HIDDEN_SECONDS, WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            break
        for message in messages:
            handled += 1
            try:
                results = replay(message["MessageId"], failed_event(message["Body"]))
            except (ValueError, KeyError, TypeError) as error:
                results = [Replayed(message["MessageId"], "", "unreadable", f"{error}", done=False)]
            replayed.extend(results)
            if all(item.done for item in results):
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return replayed


def _submitter(resources: StackResources) -> Callable[[str, dict], list[Replayed]]:
    service = composition.submit_service(submit_settings(resources), resources.target.client_factory())

    def replay(message_id: str, event: dict) -> list[Replayed]:
        if is_test_event(event):
            return [Replayed(message_id, "", "ignored", "s3:TestEvent")]
        results = []
        for ref in article_refs(S3Event(event)):
            try:
                result = service.submit(ref)
            except PrecisError as error:  # e.g. the endpoint is still unavailable
                results.append(Replayed(message_id, ref.key, "failed again", str(error), done=False))
                continue
            results.append(Replayed(message_id, ref.key, result.outcome.value, result.reason))
        return results

    return replay


def _recorder(resources: StackResources) -> Callable[[str, dict], list[Replayed]]:
    settings = RecordSettings(resources.table_name, resources.output_path, resources.failure_path)
    service = composition.record_service(settings, resources.target.client_factory())

    def replay(message_id: str, event: dict) -> list[Replayed]:
        results = []
        for record in event["Records"]:
            try:
                notification = parse_notification(record["Sns"]["Message"])
                result = service.record(notification)
            except PrecisError as error:  # not a notification, or its output is still not there
                results.append(Replayed(message_id, "", "failed again", str(error), done=False))
                continue
            results.append(Replayed(message_id, result.inference_id, result.outcome.value))
        return results

    return replay


def _show(replayed: list[Replayed]) -> None:
    if not replayed:
        console.print("the queue is empty")
        return
    table = Table(box=None, header_style="bold")
    for column in ("message", "article or inference", "outcome", "reason"):
        table.add_column(column, overflow="fold")
    for item in replayed:
        style = "green" if item.done else "red"
        table.add_row(
            shown(item.message_id),
            shown(item.what),
            f"[{style}]{shown(item.outcome)}[/]",
            shown(item.reason or ""),
        )
    console.print(table)
    kept = sum(1 for item in replayed if not item.done)
    console.print(
        f"{len(replayed) - kept} applied, {kept} kept in the queue for the next redrive", highlight=False
    )

"""The template's Lambda functions (`AWS::Serverless::Function`), read once into typed definitions.

This is the one reader of a function's properties: what Lambda runs (code, handler, runtime, memory,
timeout, environment, reserved concurrency), what happens to a failed asynchronous invocation (retries,
event age, the on-failure queue) and what invokes the function (S3 notifications, SNS subscriptions,
schedules). The local stack wires its workers from these; `precis.template.scaling` reads the submit
function's request TTL and timeout from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from precis.template.resolver import cfn_string
from precis.template.stack import Resource, Stack

FUNCTION_TYPE = "AWS::Serverless::Function"
# Lambda's defaults for what the template leaves out.
DEFAULT_MEMORY_MB = 128
DEFAULT_TIMEOUT_SECONDS = 3
DEFAULT_RETRY_ATTEMPTS = 2
DEFAULT_EVENT_AGE_SECONDS = 21600


@dataclass(frozen=True)
class S3Trigger:
    """An `S3` event: the bucket notifies the function of these events, for keys the rules match."""

    event_id: str
    bucket: str
    events: tuple[str, ...]
    key_filter_rules: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class SnsTrigger:
    """An `SNS` event: the function subscribes to the topic (with the filter policy, if any)."""

    event_id: str
    topic_arn: str
    filter_policy: dict | None = None


@dataclass(frozen=True)
class StreamTrigger:
    """A `DynamoDB` event: an event source mapping that polls the table's stream and invokes the
    function synchronously with batches (Lambda retries a failed batch, then describes it on-failure)."""

    event_id: str
    table_name: str
    starting_position: str
    batch_size: int
    batching_window_seconds: int
    maximum_retry_attempts: int  # -1: until the records expire
    filter_patterns: tuple[str, ...] = ()
    on_failure_arn: str | None = None


@dataclass(frozen=True)
class Schedule:
    """An enabled `Schedule`/`ScheduleV2` event: EventBridge invokes the function on `expression`."""

    event_id: str
    expression: str
    rule_arn: str


@dataclass(frozen=True)
class OnFailure:
    """Where a failed asynchronous invocation goes: an on-failure destination (Lambda's invocation
    record) or a dead-letter queue (the event itself)."""

    queue_arn: str
    is_destination: bool

    @property
    def queue_name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class LambdaFunction:
    logical_id: str
    name: str
    arn: str
    code_uri: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_seconds: int
    log_group: str
    environment: dict[str, str]
    reserved_concurrency: int | None
    maximum_retry_attempts: int
    maximum_event_age_seconds: int
    on_failure: OnFailure | None
    s3_triggers: tuple[S3Trigger, ...]
    sns_triggers: tuple[SnsTrigger, ...]
    schedules: tuple[Schedule, ...]
    stream_triggers: tuple[StreamTrigger, ...] = ()


def lambda_functions(stack: Stack) -> dict[str, LambdaFunction]:
    """Every function of the resolved template, by logical id."""
    functions = stack.of_type(FUNCTION_TYPE)
    return {logical_id: _read(stack, resource) for logical_id, resource in functions.items()}


def _read(stack: Stack, resource: Resource) -> LambdaFunction:
    properties = resource.properties
    name = stack.physical_name(resource.logical_id)
    invoke_config = properties.get("EventInvokeConfig") or {}
    events = properties.get("Events") or {}
    reserved = properties.get("ReservedConcurrentExecutions")
    return LambdaFunction(
        logical_id=resource.logical_id,
        name=name,
        arn=stack.get_att(resource.logical_id, "Arn"),
        code_uri=str(properties.get("CodeUri", "")),
        handler=properties.get("Handler", "app.lambda_handler"),
        runtime=properties.get("Runtime", "python3.12"),
        memory_mb=int(properties.get("MemorySize", DEFAULT_MEMORY_MB)),
        timeout_seconds=int(properties.get("Timeout", DEFAULT_TIMEOUT_SECONDS)),
        log_group=(properties.get("LoggingConfig") or {}).get("LogGroup", f"/aws/lambda/{name}"),
        environment={
            key: cfn_string(value)
            for key, value in ((properties.get("Environment") or {}).get("Variables") or {}).items()
        },
        reserved_concurrency=None if reserved is None else int(reserved),
        maximum_retry_attempts=int(invoke_config.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS)),
        maximum_event_age_seconds=int(
            invoke_config.get("MaximumEventAgeInSeconds", DEFAULT_EVENT_AGE_SECONDS)
        ),
        on_failure=_on_failure(properties),
        s3_triggers=tuple(_s3_trigger(event_id, props) for event_id, props in _events(events, "S3")),
        sns_triggers=tuple(
            SnsTrigger(event_id, props["Topic"], props.get("FilterPolicy") or None)
            for event_id, props in _events(events, "SNS")
        ),
        schedules=tuple(
            Schedule(
                event_id,
                props.get("Schedule") or props.get("ScheduleExpression", ""),
                stack.arn("events", f"rule/{stack.name}-{resource.logical_id}{event_id}"),
            )
            for event_id, props in _events(events, "Schedule", "ScheduleV2")
            if props.get("Enabled", True) is not False and props.get("State") != "DISABLED"
        ),
        stream_triggers=tuple(
            _stream_trigger(event_id, props) for event_id, props in _events(events, "DynamoDB")
        ),
    )


def _events(events: dict, *types: str) -> list[tuple[str, dict]]:
    """The function's events of these types, as (event id, properties)."""
    return [
        (event_id, event.get("Properties") or {})
        for event_id, event in events.items()
        if event["Type"] in types
    ]


def _s3_trigger(event_id: str, properties: dict) -> S3Trigger:
    names = properties["Events"]
    rules = ((properties.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
    return S3Trigger(
        event_id=event_id,
        bucket=properties["Bucket"],
        events=tuple(names if isinstance(names, list) else [names]),
        key_filter_rules=tuple(rules),
    )


def _stream_trigger(event_id: str, properties: dict) -> StreamTrigger:
    """The mapping's settings with Lambda's defaults (batch 100, no window, retries until expiry)."""
    stream_arn = str(properties["Stream"])  # arn:...:table/<name>/stream/<label>
    filters = (properties.get("FilterCriteria") or {}).get("Filters") or []
    on_failure = ((properties.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    return StreamTrigger(
        event_id=event_id,
        table_name=stream_arn.split(":table/", 1)[-1].split("/stream/", 1)[0],
        starting_position=str(properties.get("StartingPosition", "LATEST")),
        batch_size=int(properties.get("BatchSize", 100)),
        batching_window_seconds=int(properties.get("MaximumBatchingWindowInSeconds", 0)),
        maximum_retry_attempts=int(properties.get("MaximumRetryAttempts", -1)),
        filter_patterns=tuple(str(f["Pattern"]) for f in filters if f.get("Pattern")),
        on_failure_arn=str(on_failure) if on_failure else None,
    )


def _on_failure(properties: dict) -> OnFailure | None:
    """The SQS queue a failed asynchronous invocation goes to: the OnFailure destination, else the DLQ."""
    destination = ((properties.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get(
        "OnFailure"
    )
    if destination and destination.get("Type", "SQS") == "SQS" and destination.get("Destination"):
        return OnFailure(destination["Destination"], is_destination=True)
    dead_letter = properties.get("DeadLetterQueue") or {}
    if dead_letter.get("Type") == "SQS":
        return OnFailure(dead_letter["TargetArn"], is_destination=False)
    return None

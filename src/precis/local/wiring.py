"""Each function of the template wired for the local stack, built once from its typed definition.

A `FunctionWiring` says everything the stack does for one function: the config its worker runs
(`lambda_runtime.FunctionConfig`), its environment as Lambda builds it, how many execution
environments it gets, and its event queue with the SNS subscriptions and S3 notifications that
feed it (created in moto by `provisioning`). Nothing here calls AWS.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from precis.local.clock import ScaledClock
from precis.local.errors import StackError
from precis.local.lambda_runtime import MAX_VISIBILITY_SECONDS, RETRY_DELAYS_SECONDS, FunctionConfig
from precis.local.stream_source import StreamSource
from precis.template import Stack
from precis.template.functions import LambdaFunction, S3Trigger, SnsTrigger, StreamTrigger, lambda_functions

_RATE = re.compile(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")

MIN_VISIBILITY_SECONDS = 5
"""Real seconds: a batch is usually done within them on a busy machine, so its worker seldom has to
extend it (precis.local.lambda_runtime.HeldMessages)."""


def rate_seconds(expression: str) -> float:
    """`rate(15 minutes)` in seconds; cron schedules have no fixed period and are not run locally."""
    match = _RATE.fullmatch(expression.strip())
    if not match:
        raise StackError(f"schedule {expression!r}: the local stack runs rate() schedules only")
    value, unit = int(match.group(1)), match.group(2).rstrip("s")
    return value * {"minute": 60, "hour": 3600, "day": 86400}[unit]


def event_queue_name(stack: Stack, logical_id: str) -> str:
    """The SQS queue moto delivers a function's S3 notifications and SNS messages to."""
    return f"{stack.name}-{logical_id}-events"[:80]


@dataclass(frozen=True)
class BucketNotification:
    """One S3 → SQS queue configuration of a bucket, for one S3 event of a function."""

    bucket: str
    configuration: dict


@dataclass(frozen=True)
class FunctionWiring:
    function: LambdaFunction
    worker: FunctionConfig
    notifications: tuple[BucketNotification, ...]

    @property
    def logical_id(self) -> str:
        return self.function.logical_id

    @property
    def subscriptions(self) -> tuple[SnsTrigger, ...]:
        """The topics whose messages the event queue receives (in SNS's envelope)."""
        return self.function.sns_triggers

    @property
    def event_queue_name(self) -> str:
        return self.worker.queue_name

    @property
    def event_queue_arn(self) -> str:
        return self.worker.queue_arn

    @property
    def event_queue_visibility_seconds(self) -> int:
        """How soon a message whose worker died is delivered again (a live worker keeps its batch
        invisible for as long as it works on it)."""
        return self.worker.visibility_timeout_seconds

    def concurrency(self, requested: int) -> int:
        """Execution environments (one process each): as requested, capped by reserved concurrency."""
        reserved = self.function.reserved_concurrency
        return requested if reserved is None else min(requested, reserved)

    def execution_environments(self, requested: int) -> list[tuple[str, FunctionConfig]]:
        """(process name, worker config) per execution environment; only the first keeps the schedules and
        polls the streams (Lambda reads a shard with one invocation at a time)."""
        return [
            (self.logical_id, self.worker)
            if number == 1
            else (f"{self.logical_id}-{number}", replace(self.worker, schedules=[], streams=[]))
            for number in range(1, self.concurrency(requested) + 1)
        ]

    def environment(self, aws: dict[str, str]) -> dict[str, str]:
        """The function's environment as Lambda builds it: Lambda's own variables, the template's, the
        stack's clock (PRECIS_TIME_SCALE: the durations a function waits out itself, such as reconcile's
        age threshold, expiry and backoff, follow it; the TTL and timeout it sends to the endpoint stay
        as the template gives them, since the endpoint scales those), then `aws` (credentials, region
        and the local endpoints)."""
        function = self.function
        lambda_variables = {
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "_HANDLER": function.handler,
            "LAMBDA_TASK_ROOT": function.code_uri,
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "PYTHONUNBUFFERED": "1",
        }
        clock = {"PRECIS_TIME_SCALE": f"{self.worker.time_scale:g}"}
        return {**lambda_variables, **function.environment, **clock, **aws}


def wire_functions(stack: Stack, time_scale: float, template_dir: Path) -> dict[str, FunctionWiring]:
    """Every function of the stack wired, by logical id; StackError for what the local stack cannot run."""
    queue_arns = {stack.get_att(logical_id, "Arn") for logical_id in stack.of_type("AWS::SQS::Queue")}
    clock = ScaledClock(time_scale)
    return {
        logical_id: _wire(stack, function, clock, template_dir, queue_arns)
        for logical_id, function in lambda_functions(stack).items()
    }


def _wire(
    stack: Stack, function: LambdaFunction, clock: ScaledClock, template_dir: Path, queue_arns: set[str]
) -> FunctionWiring:
    on_failure = function.on_failure
    if on_failure and on_failure.queue_arn not in queue_arns:
        raise StackError(
            f"{function.logical_id}: on-failure destination {on_failure.queue_arn} is not a queue of the "
            "template"
        )
    queue_name = event_queue_name(stack, function.logical_id)
    queue_arn = stack.arn("sqs", queue_name)
    worker = FunctionConfig(
        logical_id=function.logical_id,
        name=function.name,
        arn=function.arn,
        code_dir=str((template_dir / function.code_uri).resolve()),
        handler=function.handler,
        queue_name=queue_name,
        queue_arn=queue_arn,
        memory_mb=function.memory_mb,
        timeout_seconds=function.timeout_seconds,
        maximum_retry_attempts=function.maximum_retry_attempts,
        maximum_event_age_seconds=function.maximum_event_age_seconds,
        on_failure_queue_name=on_failure.queue_name if on_failure else None,
        on_failure_is_destination=on_failure.is_destination if on_failure else True,
        schedules=[
            {"rate_seconds": rate_seconds(schedule.expression), "rule_arn": schedule.rule_arn}
            for schedule in function.schedules
        ],
        time_scale=clock.time_scale,
        visibility_timeout_seconds=_visibility_seconds(function, clock),
        streams=[_stream_source(trigger, queue_arns).to_dict() for trigger in function.stream_triggers],
    )
    return FunctionWiring(
        function=function,
        worker=worker,
        notifications=tuple(_notification(function, trigger, queue_arn) for trigger in function.s3_triggers),
    )


def _visibility_seconds(function: LambdaFunction, clock: ScaledClock) -> int:
    """As Lambda retries an invocation that never answered: after the function's timeout and the first
    retry delay, on the stack's clock."""
    simulated = function.timeout_seconds + RETRY_DELAYS_SECONDS[0]
    return min(MAX_VISIBILITY_SECONDS, clock.whole_real_seconds(simulated, at_least=MIN_VISIBILITY_SECONDS))


def _stream_source(trigger: StreamTrigger, queue_arns: set[str]) -> StreamSource:
    if trigger.on_failure_arn and trigger.on_failure_arn not in queue_arns:
        raise StackError(f"stream event {trigger.event_id}: {trigger.on_failure_arn} is not a queue")
    return StreamSource(
        table_name=trigger.table_name,
        starting_position=trigger.starting_position,
        batch_size=trigger.batch_size,
        batching_window_seconds=trigger.batching_window_seconds,
        maximum_retry_attempts=trigger.maximum_retry_attempts,
        filter_patterns=trigger.filter_patterns,
        on_failure_queue_name=trigger.on_failure_arn.rsplit(":", 1)[-1] if trigger.on_failure_arn else None,
    )


def _notification(function: LambdaFunction, trigger: S3Trigger, queue_arn: str) -> BucketNotification:
    configuration: dict = {
        "Id": f"{function.logical_id}{trigger.event_id}",
        "QueueArn": queue_arn,
        "Events": list(trigger.events),
    }
    if trigger.key_filter_rules:
        configuration["Filter"] = {"Key": {"FilterRules": list(trigger.key_filter_rules)}}
    return BucketNotification(trigger.bucket, configuration)

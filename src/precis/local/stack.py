"""The whole precis pipeline on 127.0.0.1: moto's server with the template's resources, the local
SageMaker async endpoint, and one process per Lambda function fed the events the template wires to it.

`LocalStack` is the Python API (tests, the demo, `precis local up`); `python -m precis.local.stack`
runs one in the foreground until SIGINT/SIGTERM, which is what `precis local up --detach` starts.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from precis import paths
from precis.local.lambda_runtime import FunctionConfig
from precis.template import Resource, Stack, load_stack

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
ENDPOINT_READY = "precis-endpoint ready on "
FUNCTION_READY = "precis-function ready"
STACK_READY = "precis-local ready"
_START_TIMEOUT_SECONDS = 60
_STOP_TIMEOUT_SECONDS = 10
_RATE = re.compile(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")


class StackError(RuntimeError):
    """The local stack could not start (a port in use, a process that died, a template it cannot serve)."""


def state_file() -> Path:
    return paths.project_root() / ".precis" / "local" / "state.json"


def free_port_pair(preferred: int = 0) -> int:
    """A port P such that P and P+1 are both free on 127.0.0.1 (moto on P, the endpoint on P+1)."""
    if preferred:
        if not (_is_free(preferred) and _is_free(preferred + 1)):
            raise StackError(f"port {preferred} or {preferred + 1} is in use on 127.0.0.1 (try --port)")
        return preferred
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65535 and _is_free(port + 1):
            return port
    raise StackError("no two consecutive free ports on 127.0.0.1")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _die_with_parent() -> None:
    """Children get SIGTERM if the stack's process dies without stopping them (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    """One process of the stack, writing its output to a log file, ready when it prints `ready_text`.

    The process writes the file itself: a pipe copied line by line by a thread of the stack's process
    made every child wait on that process's GIL whenever the pipe filled (moto logs every request)."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    ready_text: str | None
    process: subprocess.Popen | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    ready_line: str = ""

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            )
        if self.ready_text is None:
            self.ready.set()

    def wait_ready(self, deadline: float) -> None:
        while not self._printed_ready():
            if self.process.poll() is not None:
                raise StackError(
                    f"{self.name} exited with {self.process.returncode} while starting:\n{self.tail()}"
                )
            if time.monotonic() > deadline:
                raise StackError(
                    f"{self.name} did not become ready in {_START_TIMEOUT_SECONDS} s:\n{self.tail()}"
                )
            time.sleep(0.05)

    def _printed_ready(self) -> bool:
        if not self.ready.is_set():
            line = next((line for line in self.tail(lines=0).splitlines() if self.ready_text in line), None)
            if line is not None:
                self.ready_line = line.strip()
                self.ready.set()
        return self.ready.is_set()

    def tail(self, lines: int = 20) -> str:
        """The last `lines` lines of the output (all of it for 0)."""
        try:
            return "\n".join(
                self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            )
        except OSError:
            return "(no output)"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class LocalStack:
    """The pipeline of template.yaml on 127.0.0.1: `with LocalStack() as stack: stack.client("s3")...`."""

    def __init__(
        self,
        port: int = 0,
        *,
        time_scale: float = 1.0,
        instance_start_delay: float | None = None,
        inference_script: Path | str | None = None,
        model_dir: Path | str | None = None,
        template: Path | None = None,
        stack_name: str = "precis-local",
        region: str = "us-east-1",
        log_dir: Path | None = None,
        function_concurrency: int = 1,
    ):
        if time_scale <= 0:
            raise StackError("--time-scale must be positive")
        self.requested_port = port
        self.time_scale = time_scale
        self.instance_start_delay = instance_start_delay
        self.inference_script = inference_script
        self.model_dir = model_dir
        self.template = Path(template) if template else paths.template_path()
        # The endpoint process resolves the same template with the same name and region (no overrides).
        self.stack: Stack = load_stack(self.template, stack_name=stack_name, region=region)
        self.log_dir = Path(log_dir) if log_dir else paths.project_root() / ".precis" / "local" / "logs"
        if function_concurrency < 1:
            raise StackError("function concurrency must be at least 1")
        self.function_concurrency = function_concurrency
        self.port = 0
        self.children: list[Child] = []
        self.startup_seconds = 0.0
        self._session: boto3.Session | None = None

    # --- what users and tests read ---------------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint_runtime_url(self) -> str:
        return f"http://127.0.0.1:{self.port + 1}"

    @property
    def outputs(self) -> dict[str, str]:
        return dict(self.stack.outputs)

    @property
    def region(self) -> str:
        return self.stack.region

    def session(self) -> boto3.Session:
        if self._session is None:  # one session: loading botocore's models per client costs ~0.2 s
            self._session = boto3.Session(
                aws_access_key_id="test", aws_secret_access_key="test", region_name=self.region
            )
        return self._session

    def client(self, service: str, **kwargs: Any):
        """A boto3 client against the stack; `sagemaker-runtime` goes to the local endpoint."""
        url = self.endpoint_runtime_url if service == "sagemaker-runtime" else self.endpoint_url
        kwargs.setdefault("config", Config(retries={"mode": "standard", "max_attempts": 5}))
        return self.session().client(service, endpoint_url=url, **kwargs)

    def aws_environment(self) -> dict[str, str]:
        """What a process needs to reach the stack with any AWS SDK or the AWS CLI."""
        return {
            **CREDENTIALS,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": self.endpoint_runtime_url,
        }

    def pids(self) -> dict[str, int]:
        return {child.name: child.process.pid for child in self.children if child.process}

    def state(self) -> dict:
        return {
            "pid": os.getpid(),
            "port": self.port,
            "endpoint_url": self.endpoint_url,
            "endpoint_runtime_url": self.endpoint_runtime_url,
            "stack_name": self.stack.name,
            "region": self.region,
            "time_scale": self.time_scale,
            "processes": self.pids(),
            "log_dir": str(self.log_dir),
            "outputs": self.outputs,
            "started_at": time.time(),
        }

    # --- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> LocalStack:
        """Every process starts at once (their imports overlap); moto is provisioned as soon as it listens."""
        started = time.monotonic()
        self.port = free_port_pair(self.requested_port)
        functions = [
            function_config(self.stack, resource, self.time_scale, self.template.parent)
            for resource in self.stack.of_type("AWS::Serverless::Function").values()
        ]
        try:
            moto_command = [
                sys.executable,
                "-m",
                "precis.local.moto_server",
                "-H",
                "127.0.0.1",
                "-p",
                str(self.port),
            ]
            moto = self._spawn("moto", moto_command, self._base_environment(), ready_text=None)
            self._spawn("endpoint", self._endpoint_command(), self._base_environment(), ENDPOINT_READY)
            for config in functions:
                self._spawn_function(config)
            self._wait_for_moto(moto)
            provision(self.stack, self.client, functions)
            deadline = time.monotonic() + _START_TIMEOUT_SECONDS
            for child in self.children:
                child.wait_ready(deadline)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        """SIGTERM to every process (functions first, moto last), SIGKILL to any still running after 10 s."""
        for child in reversed(self.children):
            if child.alive:
                with contextlib.suppress(ProcessLookupError):
                    child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + _STOP_TIMEOUT_SECONDS
        for child in reversed(self.children):
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        self.children = []

    def dead_children(self) -> list[Child]:
        return [child for child in self.children if not child.alive]

    def wait(self, stop: threading.Event) -> Child | None:
        """Blocks until `stop` is set or a process of the stack dies (returned, so the caller can say so)."""
        while not stop.wait(0.5):
            dead = self.dead_children()
            if dead:
                return dead[0]
        return None

    def concurrency_of(self, function: Resource) -> int:
        """Execution environments per function: one process each, capped by its reserved concurrency."""
        reserved = function.properties.get("ReservedConcurrentExecutions")
        return (
            self.function_concurrency if reserved is None else min(self.function_concurrency, int(reserved))
        )

    # --- internals ---------------------------------------------------------------------------------
    def _spawn(self, name: str, command: list[str], env: dict[str, str], ready_text: str | None) -> Child:
        child = Child(name, command, env, self.log_dir / f"{name}.log", ready_text)
        self.children.append(child)
        child.start()
        return child

    def _spawn_function(self, config: FunctionConfig) -> None:
        """One process per execution environment, all polling the function's queue; one keeps the schedule."""
        resource = self.stack.resources[config.logical_id]
        env = function_environment(self.stack, resource, self.aws_environment())
        for number in range(1, self.concurrency_of(resource) + 1):
            name = config.logical_id if number == 1 else f"{config.logical_id}-{number}"
            environment = config if number == 1 else replace(config, schedules=[])
            command = [sys.executable, "-m", "precis.local.lambda_runtime", environment.to_json()]
            self._spawn(name, command, env, FUNCTION_READY)

    def _base_environment(self) -> dict[str, str]:
        keep = {
            key: os.environ[key]
            for key in ("PATH", "HOME", "LANG", "TMPDIR", "PRECIS_ROOT")
            if key in os.environ
        }
        return {
            **keep,
            **CREDENTIALS,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8",
        }

    def _endpoint_command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "precis.local.sagemaker",
            "--port",
            str(self.port + 1),
            "--aws-endpoint-url",
            self.endpoint_url,
            "--template",
            str(self.template),
            "--stack-name",
            self.stack.name,
            "--region",
            self.region,
            "--time-scale",
            str(self.time_scale),
        ]
        if self.instance_start_delay is not None:
            command += ["--instance-start-delay", str(self.instance_start_delay)]
        if self.inference_script:
            command += ["--inference-script", str(self.inference_script)]
        if self.model_dir:
            command += ["--model-dir", str(self.model_dir)]
        return command

    def _wait_for_moto(self, moto: Child) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while True:
            with socket.socket() as probe:
                probe.settimeout(0.2)
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if not moto.alive:
                raise StackError(f"moto's server exited while starting:\n{moto.tail()}")
            if time.monotonic() > deadline:
                raise StackError(f"moto's server did not listen on {self.port}:\n{moto.tail()}")
            time.sleep(0.05)


# --- The template's resources, created in moto's server ---------------------------------------------


def provision(stack: Stack, client_for, functions: list[FunctionConfig]) -> None:
    """Creates every resource moto can serve from the resolved template, and the functions' event wiring.

    Independent resources are created concurrently (moto's server is threaded); the functions' event
    queues, subscriptions and bucket notifications follow, as they refer to those.
    """
    sqs, sns, s3 = client_for("sqs"), client_for("sns"), client_for("s3")
    dynamodb, cloudwatch = client_for("dynamodb"), client_for("cloudwatch")
    creators = {
        "AWS::SQS::Queue": (_create_queue, sqs),
        "AWS::SNS::Topic": (_create_topic, sns),
        "AWS::S3::Bucket": (_create_bucket, s3),
        "AWS::DynamoDB::Table": (_create_table, dynamodb),
        "AWS::CloudWatch::Alarm": (_create_alarm, cloudwatch),
        "AWS::CloudWatch::Dashboard": (_create_dashboard, cloudwatch),
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = [
            pool.submit(create, client, stack, resource)
            for resource_type, (create, client) in creators.items()
            for resource in stack.of_type(resource_type).values()
        ]
        for future in created:
            future.result()
        for future in [pool.submit(_wire_function, stack, config, sqs, sns) for config in functions]:
            future.result()
    _notify_functions_of_uploads(stack, s3, {config.logical_id: config for config in functions})


def _create_topic(sns, stack: Stack, resource: Resource) -> None:
    sns.create_topic(
        Name=stack.physical_name(resource.logical_id),
        Attributes=_strings(resource.properties, "DisplayName", "FifoTopic"),
    )


def _create_alarm(cloudwatch, stack: Stack, resource: Resource) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName=stack.physical_name(resource.logical_id), **_alarm(resource.properties)
    )


def _create_dashboard(cloudwatch, stack: Stack, resource: Resource) -> None:
    cloudwatch.put_dashboard(
        DashboardName=stack.physical_name(resource.logical_id),
        DashboardBody=resource.properties["DashboardBody"],
    )


def _strings(properties: dict, *keys: str) -> dict[str, str]:
    return {key: _attribute(properties[key]) for key in keys if key in properties}


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _create_queue(sqs, stack: Stack, resource: Resource) -> None:
    properties = resource.properties
    attributes = _strings(
        properties,
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "FifoQueue",
        "ContentBasedDeduplication",
        "SqsManagedSseEnabled",
    )
    if "RedrivePolicy" in properties:
        attributes["RedrivePolicy"] = json.dumps(properties["RedrivePolicy"])
    return sqs.create_queue(QueueName=stack.physical_name(resource.logical_id), Attributes=attributes)[
        "QueueUrl"
    ]


def _create_bucket(s3, stack: Stack, resource: Resource) -> None:
    name, properties = stack.physical_name(resource.logical_id), resource.properties
    s3.create_bucket(
        Bucket=name,
        **(
            {}
            if stack.region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": stack.region}}
        ),
    )
    if properties.get("VersioningConfiguration"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=properties["VersioningConfiguration"])
    encryption = properties.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration")
    if encryption:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                    for rule in encryption
                ]
            },
        )
    rules = properties.get("LifecycleConfiguration", {}).get("Rules")
    if rules:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in rules]}
        )


def _lifecycle_rule(rule: dict) -> dict:
    """CloudFormation's lifecycle rule shape in the S3 API's shape."""
    converted: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        converted["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        }
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    return converted


def _create_table(dynamodb, stack: Stack, resource: Resource) -> None:
    properties = resource.properties
    request: dict[str, Any] = {
        "TableName": stack.physical_name(resource.logical_id),
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    indexes = [
        {
            key: value
            for key, value in index.items()
            if key in ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
        }
        for index in properties.get("GlobalSecondaryIndexes", [])
    ]
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = _integers(
            properties.get("ProvisionedThroughput") or {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    if properties.get("StreamSpecification"):
        request["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
    dynamodb.create_table(**request)
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and str(ttl.get("Enabled")).lower() == "true":
        dynamodb.update_time_to_live(
            TableName=request["TableName"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )


def _integers(values: dict) -> dict:
    return {key: int(value) for key, value in values.items()}


def _alarm(properties: dict) -> dict:
    allowed = (
        "AlarmDescription",
        "ActionsEnabled",
        "OKActions",
        "AlarmActions",
        "InsufficientDataActions",
        "MetricName",
        "Namespace",
        "Statistic",
        "ExtendedStatistic",
        "Dimensions",
        "Period",
        "Unit",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
        "EvaluateLowSampleCountPercentile",
        "Metrics",
        "ThresholdMetricId",
    )
    request = {key: properties[key] for key in allowed if key in properties}
    for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if key in request:
            request[key] = int(request[key])
    if "Threshold" in request:
        request["Threshold"] = float(request["Threshold"])
    return request


# --- Functions: event queues, subscriptions, notifications -------------------------------------------


def event_queue_name(stack: Stack, logical_id: str) -> str:
    return f"{stack.name}-{logical_id}-events"[:80]


def function_config(
    stack: Stack, resource: Resource, time_scale: float, template_dir: Path
) -> FunctionConfig:
    """What a function's worker needs, read from the resolved template alone (no AWS call)."""
    properties = resource.properties
    schedules = []
    for event_id, event in (properties.get("Events") or {}).items():
        event_properties = event.get("Properties") or {}
        enabled = (
            event_properties.get("Enabled", True) is not False and event_properties.get("State") != "DISABLED"
        )
        if event["Type"] in ("Schedule", "ScheduleV2") and enabled:
            expression = event_properties.get("Schedule") or event_properties.get("ScheduleExpression", "")
            rule = f"rule/{stack.name}-{resource.logical_id}{event_id}"
            schedules.append(
                {"rate_seconds": rate_seconds(expression), "rule_arn": stack.arn("events", rule)}
            )
    invoke_config = properties.get("EventInvokeConfig") or {}
    on_failure_arn, is_destination = _on_failure(properties)
    if on_failure_arn and not any(
        stack.get_att(q, "Arn") == on_failure_arn for q in stack.of_type("AWS::SQS::Queue")
    ):
        raise StackError(
            f"{resource.logical_id}: on-failure destination {on_failure_arn} is not a queue of the template"
        )
    queue_name = event_queue_name(stack, resource.logical_id)
    return FunctionConfig(
        logical_id=resource.logical_id,
        name=stack.physical_name(resource.logical_id),
        arn=stack.get_att(resource.logical_id, "Arn"),
        code_dir=str((template_dir / properties["CodeUri"]).resolve()),
        handler=properties.get("Handler", "app.lambda_handler"),
        queue_name=queue_name,
        queue_arn=stack.arn("sqs", queue_name),
        memory_mb=int(properties.get("MemorySize", 128)),
        timeout_seconds=int(properties.get("Timeout", 3)),
        maximum_retry_attempts=int(invoke_config.get("MaximumRetryAttempts", 2)),
        maximum_event_age_seconds=int(invoke_config.get("MaximumEventAgeInSeconds", 21600)),
        on_failure_queue_name=on_failure_arn.rsplit(":", 1)[-1] if on_failure_arn else None,
        on_failure_is_destination=is_destination,
        schedules=schedules,
        time_scale=time_scale,
    )


def _wire_function(stack: Stack, config: FunctionConfig, sqs, sns) -> None:
    """The function's event queue and its SNS subscriptions (SNS → SQS, delivered in SNS's envelope)."""
    sqs.create_queue(
        QueueName=config.queue_name,
        Attributes={"VisibilityTimeout": str(min(43200, config.timeout_seconds * 10 + 30))},
    )
    for event in (stack.resources[config.logical_id].properties.get("Events") or {}).values():
        event_properties = event.get("Properties") or {}
        if event["Type"] == "SNS":
            request = {"TopicArn": event_properties["Topic"], "Protocol": "sqs", "Endpoint": config.queue_arn}
            if event_properties.get("FilterPolicy"):
                request["Attributes"] = {"FilterPolicy": json.dumps(event_properties["FilterPolicy"])}
            sns.subscribe(**request)


def _on_failure(properties: dict) -> tuple[str | None, bool]:
    """The SQS queue a failed async invocation goes to: the OnFailure destination, else the DLQ."""
    destination = ((properties.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get(
        "OnFailure"
    )
    if destination and destination.get("Type", "SQS") == "SQS" and destination.get("Destination"):
        return destination["Destination"], True
    dead_letter = properties.get("DeadLetterQueue") or {}
    if dead_letter.get("Type") == "SQS":
        return dead_letter["TargetArn"], False
    return None, True


def rate_seconds(expression: str) -> float:
    """`rate(15 minutes)` in seconds; cron schedules have no fixed period and are not run locally."""
    match = _RATE.fullmatch(expression.strip())
    if not match:
        raise StackError(f"schedule {expression!r}: the local stack runs rate() schedules only")
    value, unit = int(match.group(1)), match.group(2).rstrip("s")
    return value * {"minute": 60, "hour": 3600, "day": 86400}[unit]


def _notify_functions_of_uploads(stack: Stack, s3, configs: dict[str, FunctionConfig]) -> None:
    """S3 → SQS notifications to each function's event queue, with the template's event filters."""
    per_bucket: dict[str, list[dict]] = {}
    for logical_id, _config in configs.items():
        events = stack.resources[logical_id].properties.get("Events") or {}
        for event_id, event in events.items():
            if event["Type"] != "S3":
                continue
            event_properties = event["Properties"]
            names = event_properties["Events"]
            configuration = {
                "Id": f"{logical_id}{event_id}",
                "QueueArn": stack.arn("sqs", event_queue_name(stack, logical_id)),
                "Events": names if isinstance(names, list) else [names],
            }
            rules = ((event_properties.get("Filter") or {}).get("S3Key") or {}).get("Rules")
            if rules:
                configuration["Filter"] = {"Key": {"FilterRules": rules}}
            per_bucket.setdefault(event_properties["Bucket"], []).append(configuration)
    for bucket, queue_configurations in per_bucket.items():
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": queue_configurations}
        )


def function_environment(stack: Stack, resource: Resource, aws: dict[str, str]) -> dict[str, str]:
    """A function's environment as Lambda builds it: the template's variables, Lambda's own, the endpoints."""
    properties = resource.properties
    name = stack.physical_name(resource.logical_id)
    runtime = properties.get("Runtime", "python3.12")
    variables = {
        key: _attribute(value)
        for key, value in ((properties.get("Environment") or {}).get("Variables") or {}).items()
    }
    lambda_variables = {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(properties.get("MemorySize", 128)),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": (properties.get("LoggingConfig") or {}).get(
            "LogGroup", f"/aws/lambda/{name}"
        ),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "_HANDLER": properties.get("Handler", "app.lambda_handler"),
        "LAMBDA_TASK_ROOT": str(properties.get("CodeUri", "")),
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "PYTHONUNBUFFERED": "1",
    }
    return {**lambda_variables, **variables, **aws}


# --- `python -m precis.local.stack`: one stack in the foreground ------------------------------------


@contextlib.contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM, with the previous handlers restored afterwards."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def write_state(stack: LocalStack, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(stack.state(), indent=2))
    temporary.replace(path)


def read_state(path: Path | None = None) -> dict | None:
    """The running stack's state, or None when there is none (or its process is gone)."""
    path = path or state_file()
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state if pid_alive(int(state.get("pid", 0))) else None


def pid_alive(pid: int) -> bool:
    """True while the process runs (a zombie, exited but not yet reaped, counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (not Linux): kill(0) is all we know


def claim_state(path: Path) -> None:
    """Takes the state file for this process before starting, so two `up`s in one checkout cannot race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            running = read_state(path)
            if running is not None and running.get("pid") != os.getpid():
                raise StackError(f"a local stack is already running (pid {running['pid']})") from None
            path.unlink(missing_ok=True)  # left by a stack that died without cleaning up
            continue
        with os.fdopen(descriptor, "w") as claim:
            json.dump({"pid": os.getpid(), "starting": True}, claim)
        return


def run_foreground(stack: LocalStack, path: Path | None = None, announce=print) -> int:
    """Starts the stack, records its state, serves until SIGINT/SIGTERM or a process dies, then stops it."""
    path = path or state_file()
    with stop_signals() as stop:
        try:
            claim_state(path)
        except StackError as exc:
            announce(f"precis-local failed to start: {exc}")
            return 1
        try:
            stack.start()
            write_state(stack, path)
            announce(
                f"{STACK_READY} on {stack.endpoint_url} (endpoint {stack.endpoint_runtime_url}) "
                f"in {stack.startup_seconds:.1f} s"
            )
            dead = stack.wait(stop)
            if dead is not None:
                announce(
                    f"{dead.name} exited with {dead.process.returncode}; stopping the stack:\n{dead.tail()}"
                )
            return 0 if dead is None else 1
        except StackError as exc:
            announce(f"precis-local failed to start: {exc}")
            return 1
        finally:
            stack.stop()
            with contextlib.suppress(FileNotFoundError, ValueError):
                if json.loads(path.read_text()).get("pid") == os.getpid():
                    path.unlink()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m precis.local.stack", description=__doc__)
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--instance-start-delay", type=float)
    parser.add_argument("--inference-script")
    parser.add_argument("--model-dir")
    parser.add_argument("--function-concurrency", type=int, default=1)
    parser.add_argument("--state-file", type=Path)
    args = parser.parse_args(argv)
    stack = LocalStack(
        args.port,
        time_scale=args.time_scale,
        instance_start_delay=args.instance_start_delay,
        inference_script=args.inference_script,
        model_dir=args.model_dir,
        function_concurrency=args.function_concurrency,
    )
    return run_foreground(stack, args.state_file, announce=lambda text: print(text, flush=True))


if __name__ == "__main__":
    sys.exit(main())

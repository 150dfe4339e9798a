"""Which stack a command talks to and the resource names behind its Outputs, in AWS or offline.

`--stack NAME` reads a deployed stack's Outputs and Parameters with DescribeStacks.
`--endpoint-url URL` targets the offline stack: moto's server at URL, the local SageMaker runtime on
the next port, and the names resolved from template.yaml as `precis local outputs` prints them.
With neither, a running local stack (its state file) is used, else the command stops with a usage error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload
from urllib.parse import urlsplit, urlunsplit

from precis_core.adapters.clients import ClientFactory

from precis.local.state import read_state
from precis.local.state import state_file as local_state_file

# boto3 and botocore are imported when a session or client is made, not with this module: their import
# is 0.15-0.2 s of CPU that `precis search --duckdb` and other commands that make no AWS call never need.
if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    import boto3
    from botocore.client import BaseClient
    from botocore.config import Config
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient
    from mypy_boto3_service_quotas import ServiceQuotasClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

# Uploads go under this prefix, one folder per collection (the template's INPUT_PREFIX and S3 filter).
INPUT_PREFIX = "incoming/"
# Where the endpoint config writes in the output bucket (S3OutputPath, S3FailurePath).
OUTPUT_PREFIX = "async-output/"
FAILURE_PREFIX = "async-failures/"
LOCAL_STACK_NAME = "precis-local"
LOCAL_REGION = "us-east-1"
LOCAL_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


@cache
def _retries() -> Config:
    """Every client's retry and timeout settings."""
    from botocore.config import Config

    return Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)


class TargetError(Exception):
    """The command cannot tell or reach which stack to use; the message says what to do."""


class TargetNotChosen(TargetError):
    """Neither --stack nor --endpoint-url was given and no local stack is running."""


class StackNotFound(TargetError):
    """The named CloudFormation stack does not exist in that account and region."""


@dataclass(frozen=True)
class StackTarget:
    """How to reach one stack: AWS by name, or the offline stack by its local URLs."""

    stack_name: str
    region: str | None = None
    endpoint_url: str | None = None
    runtime_url: str | None = None
    time_scale: float = 1.0
    """The local stack's --time-scale (1 in AWS): reconcile and retry wait out durations on its clock."""
    admin_secret: str | None = None
    """The local endpoint's admin API secret, from the running stack's state file (local.gatekeeper)."""

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None

    def session(self) -> boto3.Session:
        import boto3

        if self.is_local:
            return boto3.Session(
                aws_access_key_id=LOCAL_CREDENTIALS["aws_access_key_id"],
                aws_secret_access_key=LOCAL_CREDENTIALS["aws_secret_access_key"],
                region_name=self.region or LOCAL_REGION,
            )
        return boto3.Session(region_name=self.region)

    # The services the CLI calls, typed by boto3's stubs; any other name gives an untyped client.
    @overload
    def client(self, service: Literal["s3"], session: boto3.Session | None = None) -> S3Client: ...
    @overload
    def client(
        self, service: Literal["dynamodb"], session: boto3.Session | None = None
    ) -> DynamoDBClient: ...
    @overload
    def client(
        self, service: Literal["sagemaker-runtime"], session: boto3.Session | None = None
    ) -> SageMakerRuntimeClient: ...
    @overload
    def client(
        self, service: Literal["sagemaker"], session: boto3.Session | None = None
    ) -> SageMakerClient: ...
    @overload
    def client(
        self, service: Literal["cloudwatch"], session: boto3.Session | None = None
    ) -> CloudWatchClient: ...
    @overload
    def client(
        self, service: Literal["cloudformation"], session: boto3.Session | None = None
    ) -> CloudFormationClient: ...
    @overload
    def client(self, service: Literal["lambda"], session: boto3.Session | None = None) -> LambdaClient: ...
    @overload
    def client(
        self, service: Literal["service-quotas"], session: boto3.Session | None = None
    ) -> ServiceQuotasClient: ...
    @overload
    def client(self, service: Literal["sns"], session: boto3.Session | None = None) -> SNSClient: ...
    @overload
    def client(self, service: Literal["sqs"], session: boto3.Session | None = None) -> SQSClient: ...
    @overload
    def client(self, service: str, session: boto3.Session | None = None) -> Any: ...
    def client(self, service: str, session: boto3.Session | None = None) -> Any:
        """A boto3 client for this target; offline, SageMaker runtime goes to the local endpoint."""
        session = session or self.session()
        url = self.runtime_url if service == "sagemaker-runtime" else self.endpoint_url
        # boto3's stubs type client() per literal service name; the overloads above give callers that type.
        return session.client(service, endpoint_url=url, config=_retries())  # type: ignore[call-overload]

    def client_factory(self) -> ClientFactory:
        """`client(service)`, every client from one session: what precis_core.composition wires with."""
        session = self.session()

        def client(service: str) -> Any:
            return self.client(service, session)

        return client


@dataclass(frozen=True)
class StackResources:
    """The names a command needs, read from the stack's Outputs (and Parameters for request settings)."""

    target: StackTarget
    outputs: dict[str, str]
    parameters: dict[str, str] = field(default_factory=dict)

    def output(self, key: str) -> str:
        try:
            return self.outputs[key]
        except KeyError:
            raise TargetError(f"stack {self.target.stack_name} has no output {key}") from None

    def number(self, parameter: str) -> int:
        """An integer template parameter as the stack was deployed with it (request TTL, timeouts)."""
        try:
            return int(self.parameters[parameter])
        except (KeyError, ValueError):
            raise TargetError(
                f"stack {self.target.stack_name} has no numeric parameter {parameter}"
            ) from None

    @property
    def input_bucket(self) -> str:
        return self.output("InputBucketName")

    @property
    def output_bucket(self) -> str:
        return self.output("OutputBucketName")

    @property
    def output_path(self) -> str:
        return f"s3://{self.output_bucket}/{OUTPUT_PREFIX}"

    @property
    def failure_path(self) -> str:
        return f"s3://{self.output_bucket}/{FAILURE_PREFIX}"

    @property
    def table_name(self) -> str:
        return self.output("SummariesTableName")

    @property
    def endpoint_name(self) -> str:
        return self.output("EndpointName")


def choose_target(
    stack: str | None,
    endpoint_url: str | None,
    region: str | None,
    state_file: Path | None = None,
) -> StackTarget:
    """--stack wins, then --endpoint-url, then a running local stack; otherwise a usage error."""
    if stack and endpoint_url:
        raise TargetNotChosen("pass either --stack (AWS) or --endpoint-url (local stack), not both")
    if stack:
        return StackTarget(stack_name=stack, region=region)
    state = _read_state(state_file or local_state_file())
    if endpoint_url:
        _check_endpoint_url(endpoint_url, state)
        running = state if state is not None and state["endpoint_url"] == endpoint_url.rstrip("/") else None
        time_scale, secret = (running["time_scale"], running["admin_secret"]) if running else (1.0, None)
        return _local_target(endpoint_url, region, None, time_scale, secret)
    if state is None:
        raise TargetNotChosen(
            "no stack chosen: pass --stack NAME for a deployed stack, or --endpoint-url URL for the "
            "local stack (or start one with `precis local up`)"
        )
    return _local_target(
        state["endpoint_url"], region, state.get("runtime_url"), state["time_scale"], state["admin_secret"]
    )


def _check_endpoint_url(url: str, state: dict | None) -> None:
    """A URL the local stack can be reached at: with its scheme, and moto's port, not the endpoint's."""
    if not url.lower().startswith(("http://", "https://")):
        raise TargetNotChosen(f"--endpoint-url {url}: the scheme is missing; use http://{url}")
    if state and state.get("runtime_url") and url.rstrip("/") == state["runtime_url"].rstrip("/"):
        raise TargetNotChosen(
            f"--endpoint-url {url} is the local SageMaker endpoint's port; the stack (moto) is at "
            f"{state['endpoint_url']}, and the endpoint is always the port after it"
        )


def describe(target: StackTarget, cloudformation: CloudFormationClient | None = None) -> StackResources:
    """Reads the resource names of the target's stack."""
    if target.is_local:
        return _describe_local(target)
    from botocore.exceptions import ClientError

    cloudformation = cloudformation or target.client("cloudformation")
    try:
        stacks = cloudformation.describe_stacks(StackName=target.stack_name)["Stacks"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ValidationError" and "does not exist" in str(error):
            raise StackNotFound(
                f"stack {target.stack_name} not found in region {_region_of(cloudformation)}"
            ) from None
        raise
    description = stacks[0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in description.get("Parameters", [])}
    return StackResources(target=target, outputs=outputs, parameters=parameters)


def _describe_local(target: StackTarget) -> StackResources:
    from precis.template import load_stack  # YAML: only the local stack's names come from the template

    stack = load_stack(stack_name=target.stack_name, region=target.region or LOCAL_REGION)
    return StackResources(target=target, outputs=dict(stack.outputs), parameters=dict(stack.parameters))


def _local_target(
    endpoint_url: str,
    region: str | None,
    runtime_url: str | None,
    time_scale: float,
    admin_secret: str | None = None,
) -> StackTarget:
    endpoint_url = endpoint_url.rstrip("/")
    return StackTarget(
        stack_name=LOCAL_STACK_NAME,
        region=region or LOCAL_REGION,
        endpoint_url=endpoint_url,
        runtime_url=(runtime_url or _next_port(endpoint_url)).rstrip("/"),
        time_scale=time_scale,
        admin_secret=admin_secret,
    )


def _next_port(url: str) -> str:
    """The local SageMaker runtime listens on the port after moto's (the local stack's contract)."""
    parts = urlsplit(url)
    if parts.port is None:
        raise TargetNotChosen(f"--endpoint-url {url} needs an explicit port, e.g. http://127.0.0.1:4566")
    netloc = f"{parts.hostname}:{parts.port + 1}"
    return urlunsplit((parts.scheme, netloc, "", "", ""))


def _read_state(path: Path) -> dict | None:
    """The running local stack's URLs and clock from its state file, or None when no stack is running."""
    state = read_state(path)
    if not state or not state.get("endpoint_url"):
        return None
    return {
        "endpoint_url": state["endpoint_url"],
        "runtime_url": state.get("endpoint_runtime_url"),
        "time_scale": float(state.get("time_scale") or 1.0),
        "admin_secret": state.get("admin_secret"),
    }


def _region_of(client: BaseClient) -> str:
    return client.meta.region_name or os.environ.get("AWS_DEFAULT_REGION", "?")

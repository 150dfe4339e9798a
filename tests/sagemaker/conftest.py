"""A real moto server, the bucket and topics the endpoint writes to, and an SQS queue on each topic."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from moto.server import ThreadedMotoServer

from precis.local.gatekeeper import ADMIN_SECRET_VARIABLE
from precis.local.sagemaker import EndpointSettings, InferenceScript, LocalEndpoint, RequestJournal
from precis.scaling import AlarmSpec, EndpointCapacity, ScalingPolicy, StepScaling, TargetTracking
from precis.template import Stack, load_stack

SCRIPTS = Path(__file__).parent / "scripts"
REGION = "us-east-1"
BUCKET = "precis-test-output"


@dataclass
class Aws:
    url: str

    def client(self, name: str):
        return boto3.client(
            name,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(max_pool_connections=32),
        )


@dataclass
class Topics:
    settings: EndpointSettings
    success_queue: str
    error_queue: str


@pytest.fixture(scope="session")
def aws() -> Iterator[Aws]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield Aws(f"http://{host}:{port}")
    server.stop()


@pytest.fixture
def topics(aws: Aws, request: pytest.FixtureRequest) -> Topics:
    """Given the output bucket, the success and error topics, and an SQS queue subscribed to each."""
    suffix = request.node.name.replace("[", "-").replace("]", "")[:40]
    s3, sns, sqs = aws.client("s3"), aws.client("sns"), aws.client("sqs")
    s3.create_bucket(Bucket=BUCKET)
    queues = {}
    arns = {}
    for kind in ("success", "error"):
        arns[kind] = sns.create_topic(Name=f"{kind}-{suffix}")["TopicArn"]
        url = sqs.create_queue(QueueName=f"{kind}-{suffix}")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=arns[kind], Protocol="sqs", Endpoint=queue_arn)
        queues[kind] = url
    settings = EndpointSettings(
        endpoint_name="precis-test",
        s3_output_path=f"s3://{BUCKET}/{suffix}/async-output/",
        s3_failure_path=f"s3://{BUCKET}/{suffix}/async-failures/",
        success_topic=arns["success"],
        error_topic=arns["error"],
    )
    return Topics(settings, queues["success"], queues["error"])


@dataclass
class TemplateEndpoint:
    """The template's endpoint as the local stack runs it, with what it writes to already in moto."""

    aws: Aws
    stack: Stack
    bucket: str
    success_queue: str
    admin_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    @property
    def output_config(self) -> dict:
        config = self.stack.resources["SummarizerEndpointConfig"].properties["AsyncInferenceConfig"]
        return config["OutputConfig"]

    def start(self, port: int = 0, *, journal: Path | None = None) -> EndpointProcess:
        """`python -m precis.local.sagemaker` at 600x with the controlled script; returns once it is ready."""
        command = [
            sys.executable,
            "-m",
            "precis.local.sagemaker",
            "--port",
            str(port),
            "--aws-endpoint-url",
            self.aws.url,
            "--inference-script",
            str(SCRIPTS / "controlled.py"),
            "--time-scale",
            "600",
        ]
        if journal is not None:
            command += ["--journal", str(journal)]
        environment = {**os.environ, ADMIN_SECRET_VARIABLE: self.admin_secret}  # as the stack passes it
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
        )
        ready = process.stdout.readline().strip()
        assert ready.startswith("precis-endpoint ready on http://127.0.0.1:"), process.stderr.read()
        return EndpointProcess(process, ready.rsplit(" ", 1)[1], self.admin_secret)


@dataclass
class EndpointProcess:
    process: subprocess.Popen
    url: str
    admin_secret: str


@pytest.fixture
def template_endpoint(aws: Aws, request: pytest.FixtureRequest) -> TemplateEndpoint:
    """Given the template's output bucket and topics in moto, and a queue on the success topic."""
    stack = load_stack()
    endpoint = TemplateEndpoint(aws, stack, "", "")
    config = endpoint.output_config
    endpoint.bucket = config["S3OutputPath"].removeprefix("s3://").split("/", 1)[0]
    s3, sns, sqs = aws.client("s3"), aws.client("sns"), aws.client("sqs")
    s3.create_bucket(Bucket=endpoint.bucket)
    for topic in ("SuccessTopic", "ErrorTopic"):
        sns.create_topic(Name=config["NotificationConfig"][topic].rsplit(":", 1)[1])
    endpoint.success_queue = sqs.create_queue(QueueName=f"success-{request.node.name[:60]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=endpoint.success_queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=config["NotificationConfig"]["SuccessTopic"], Protocol="sqs", Endpoint=queue_arn)
    return endpoint


def template_like_policy(max_capacity: int = 3) -> ScalingPolicy:
    """The template's shape: target tracking on backlog per instance plus the wake-from-zero step."""
    return ScalingPolicy(
        min_capacity=0,
        max_capacity=max_capacity,
        target_tracking=TargetTracking(target_value=5, scale_in_cooldown=120, scale_out_cooldown=120),
        step_scaling=StepScaling(
            alarm=AlarmSpec("HasBacklogWithoutCapacity", 1, "GreaterThanOrEqualToThreshold", 60, 2, 2),
            cooldown=120,
        ),
    )


@pytest.fixture
def start_endpoint(aws: Aws, topics: Topics) -> Iterator[Callable[..., LocalEndpoint]]:
    started: list[LocalEndpoint] = []

    def start(
        policy: ScalingPolicy | None = None,
        *,
        time_scale: float = 600.0,
        concurrency: int = 2,
        request_ttl: float = 21600,
        invocation_timeout: float = 900,
        script: str = "controlled.py",
        endpoint_name: str | None = None,
        journal: RequestJournal | None = None,
        initial_instances: int = 1,
    ) -> LocalEndpoint:
        settings = replace(topics.settings, initial_instance_count=initial_instances)
        if endpoint_name:
            settings = replace(settings, endpoint_name=endpoint_name)
        endpoint = LocalEndpoint(
            settings,
            policy or template_like_policy(),
            EndpointCapacity(
                max_concurrent_invocations=concurrency,
                instance_start_delay=30,
                request_ttl=request_ttl,
                invocation_timeout=invocation_timeout,
            ),
            InferenceScript(SCRIPTS / script, SCRIPTS),
            s3=aws.client("s3"),
            sns=aws.client("sns"),
            cloudwatch=aws.client("cloudwatch"),
            time_scale=time_scale,
            journal=journal,
        ).start()
        started.append(endpoint)
        return endpoint

    yield start
    for endpoint in started:
        endpoint.close()


def _put_input(aws: Aws, key: str, payload: dict) -> str:
    aws.client("s3").put_object(Bucket=BUCKET, Key=key, Body=json.dumps(payload).encode())
    return f"s3://{BUCKET}/{key}"


def _runtime_client(aws: Aws, endpoint: LocalEndpoint | EndpointProcess):
    return boto3.client(
        "sagemaker-runtime",
        endpoint_url=endpoint.url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _notifications(aws: Aws, queue_url: str, count: int, *, within: float = 30.0) -> list[dict]:
    """The SageMaker messages inside the SNS envelopes delivered to the queue, waiting for `count` of them."""
    sqs = aws.client("sqs")
    found: list[dict] = []
    deadline = time.monotonic() + within
    while len(found) < count and time.monotonic() < deadline:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in response.get("Messages", []):
            found.append(json.loads(json.loads(message["Body"])["Message"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def _wait_for(condition: Callable[[], bool], *, within: float = 30.0, every: float = 0.05) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


@pytest.fixture
def put_input(aws: Aws) -> Callable[[str, dict], str]:
    """Writes a JSON input object and returns its s3:// InputLocation."""
    return lambda key, payload: _put_input(aws, key, payload)


@pytest.fixture
def runtime_client(aws: Aws) -> Callable[[LocalEndpoint | EndpointProcess], object]:
    """A real boto3 sagemaker-runtime client pointed at a local endpoint (embedded or a process)."""
    return lambda endpoint: _runtime_client(aws, endpoint)


def _signed(url: str, headers: dict[str, str] | None = None, body: bytes = b"") -> urllib.request.Request:
    """A raw POST signed with SigV4 as boto3 signs it (test keys), for what boto3 itself will not send."""
    request = AWSRequest(method="POST", url=url, data=body, headers=headers or {})
    SigV4Auth(Credentials("test", "test"), "sagemaker", REGION).add_auth(request)
    return urllib.request.Request(url, data=body, headers=dict(request.headers.items()), method="POST")


@pytest.fixture
def signed() -> Callable[..., urllib.request.Request]:
    return _signed


@pytest.fixture
def notifications(aws: Aws) -> Callable[..., list[dict]]:
    return lambda queue_url, count, within=30.0: _notifications(aws, queue_url, count, within=within)


@pytest.fixture
def wait_for() -> Callable[..., bool]:
    return _wait_for

"""Unit-test fixtures: moto's mock_aws, the summaries table as the contract declares it, the events
and environment from events/, and the three handlers loaded by file path as Lambda loads `app.lambda_handler`.

Names (table, buckets, endpoint) come from events/env.json and the event files, so the tests run the
same inputs `sam local invoke -e events/... --env-vars events/env.json` does.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from precis_core.adapters import clients
from precis_core.adapters.summary_store import SummaryStore

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
FUNCTIONS = ROOT / "functions"
REGION = "us-east-1"


def load_event(name: str) -> dict[str, Any]:
    """An event file from events/, the same one `sam local invoke -e` uses (a fresh copy each time)."""
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def function_env(function: str) -> dict[str, str]:
    """The environment events/env.json gives a function (keyed by logical id)."""
    return load_event("env.json")[function]


INPUT_BUCKET = load_event("s3-put.json")["Records"][0]["s3"]["bucket"]["name"]
_SUCCESS = json.loads(load_event("sns-success.json")["Records"][0]["Sns"]["Message"])
OUTPUT_BUCKET = _SUCCESS["responseParameters"]["outputLocation"].split("/")[2]
TABLE = function_env("SubmitFunction")["SUMMARIES_TABLE"]
ENDPOINT = function_env("SubmitFunction")["ENDPOINT_NAME"]


@dataclass
class FakeLambdaContext:
    function_name: str = "precis-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:precis-test"
    aws_request_id: str = "8f4d0a4e-6d1c-4b7e-9a2e-0c6f4c1f0b1a"
    log_group_name: str = "/aws/lambda/precis-test"
    log_stream_name: str = "2026/11/25/[$LATEST]0123456789abcdef"
    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def load_handler(function: str) -> ModuleType:
    """functions/<function>/app.py as its own module (both files are named app.py), freshly executed,
    so each test starts from a cold container."""
    path = FUNCTIONS / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"precis_function_{function}_app", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def aws(monkeypatch):
    """A moto account with fake credentials; no request leaves the process."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    clients.aws_client.cache_clear()
    with mock_aws():
        yield
    clients.aws_client.cache_clear()


@pytest.fixture
def dynamodb(aws):
    """The summaries table with the contract's key and GSIs (docs/ARCHITECTURE.md, "Records")."""
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("document_id", "status", "collection", "submitted_at", "published")
        ],
        KeySchema=[{"AttributeName": "document_id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": hash_key, "KeyType": "HASH"},
                    {"AttributeName": range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, hash_key, range_key in (
                ("by-status", "status", "submitted_at"),
                ("by-collection", "collection", "submitted_at"),
                ("by-published", "collection", "published"),
            )
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return client


@pytest.fixture
def store(dynamodb) -> SummaryStore:
    return SummaryStore(TABLE, dynamodb)


@pytest.fixture
def s3(aws):
    """The input bucket (versioned, as the template declares it) and the output bucket."""
    client = boto3.client("s3", region_name=REGION)
    for bucket in (INPUT_BUCKET, OUTPUT_BUCKET):
        client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=INPUT_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return client


@dataclass
class EndpointCalls:
    """Every InvokeEndpointAsync the container's sagemaker-runtime client makes (one per logical call)."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def record(self, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(params)


@pytest.fixture
def endpoint_calls(aws) -> EndpointCalls:
    """Counts the calls the handler's own (cached) client makes; moto answers them."""
    seen = EndpointCalls()
    client = clients.aws_client("sagemaker-runtime")
    client.meta.events.register("provide-client-params.sagemaker-runtime.InvokeEndpointAsync", seen.record)
    return seen


@pytest.fixture
def submit_handler(monkeypatch, dynamodb, s3):
    """SubmitFunction's `lambda_handler` in a cold container with the env.json environment."""
    for name, value in function_env("SubmitFunction").items():
        monkeypatch.setenv(name, value)
    return load_handler("submit").lambda_handler


@pytest.fixture
def record_handler(monkeypatch, dynamodb, s3):
    """RecordFunction's `lambda_handler` in a cold container with the env.json environment."""
    for name, value in function_env("RecordFunction").items():
        monkeypatch.setenv(name, value)
    return load_handler("record").lambda_handler


@pytest.fixture
def analytics_handler(monkeypatch, s3):
    """AnalyticsFunction's `lambda_handler` in a cold container with the env.json environment."""
    for name, value in function_env("AnalyticsFunction").items():
        monkeypatch.setenv(name, value)
    return load_handler("analytics").lambda_handler


@pytest.fixture
def reconcile_handler(monkeypatch, dynamodb, s3):
    """ReconcileFunction's `lambda_handler` in a cold container with the env.json environment."""
    for name, value in function_env("ReconcileFunction").items():
        monkeypatch.setenv(name, value)
    return load_handler("reconcile").lambda_handler


@pytest.fixture
def upload(s3):
    """Put an object in the input bucket and return the S3 event for it: events/s3-put.json with the
    key URL-encoded as S3 sends it and the real size, ETag and VersionId."""

    def put(key: str, body: bytes, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        response = s3.put_object(Bucket=INPUT_BUCKET, Key=key, Body=body, Metadata=metadata or {})
        event = load_event("s3-put.json")
        obj = event["Records"][0]["s3"]["object"]
        obj.update(
            key=quote_plus(key, safe="/"),
            size=len(body),
            eTag=response["ETag"].strip('"'),
            versionId=response["VersionId"],
        )
        return event

    return put


@pytest.fixture
def events():
    """`events(name)`: a fresh copy of an event file from events/."""
    return load_event


@pytest.fixture
def names() -> SimpleNamespace:
    """The resource names the event files and env.json use."""
    return SimpleNamespace(
        input_bucket=INPUT_BUCKET, output_bucket=OUTPUT_BUCKET, table=TABLE, endpoint=ENDPOINT
    )


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_):
        yield self.data


class ScriptedEndpoint:
    """Answers the sagemaker-runtime client's HTTP requests with scripted errors, then lets moto answer.

    Sits at botocore's `before-send`, below the retry handler, so botocore's standard-mode retries
    run for real on these responses."""

    def __init__(self, *errors: tuple[int, str] | BaseException) -> None:
        self.errors = list(errors)
        self.http_requests = 0

    def __call__(self, request, **_):
        self.http_requests += 1
        if not self.errors:
            return None
        if isinstance(self.errors[0], BaseException):
            raise self.errors.pop(0)
        return error_response(request, *self.errors.pop(0))


class EndpointOutage:
    """The endpoint refusing every call with 503 ServiceUnavailable until `refusing` is set False."""

    def __init__(self) -> None:
        self.refusing = True
        self.refused = 0

    def __call__(self, request, **_):
        if not self.refusing:
            return None
        self.refused += 1
        return error_response(request, 503, "ServiceUnavailable")


def error_response(request, status: int, code: str) -> AWSResponse:
    body = json.dumps({"message": f"{code} from the scripted endpoint"}).encode()
    headers = {"x-amzn-ErrorType": code, "Content-Type": "application/json"}
    return AWSResponse(request.url, status, headers, _Body(body))


@pytest.fixture
def scripted(aws):
    """`scripted(*errors)`: the functions' sagemaker-runtime client gets these answers first."""

    def install(*errors: tuple[int, str]) -> ScriptedEndpoint:
        endpoint = ScriptedEndpoint(*errors)
        events = clients.aws_client("sagemaker-runtime").meta.events
        events.register_first("before-send.sagemaker-runtime.InvokeEndpointAsync", endpoint)
        return endpoint

    return install


@pytest.fixture
def outage(aws) -> EndpointOutage:
    """The endpoint unavailable to the functions' sagemaker-runtime client until `outage.refusing = False`."""
    refusing = EndpointOutage()
    events = clients.aws_client("sagemaker-runtime").meta.events
    events.register_first("before-send.sagemaker-runtime.InvokeEndpointAsync", refusing)
    return refusing


@pytest.fixture
def backoffs(monkeypatch):
    """The sleeps botocore's retry handler asks for (not slept, so the tests stay fast)."""
    asked: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", asked.append)
    return asked

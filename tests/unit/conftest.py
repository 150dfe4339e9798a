"""Unit-test fixtures: moto's mock_aws, the summaries table as the contract declares it, the events
from events/, and the two handlers loaded by file path the way Lambda loads `app.lambda_handler`."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import boto3
import pytest
from moto import mock_aws
from precis_core import clients
from precis_core.store import SummaryStore

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
FUNCTIONS = ROOT / "functions"

REGION = "us-east-1"
TABLE = "precis-summaries"
INPUT_BUCKET = "precis-input"
OUTPUT_BUCKET = "precis-output"
ENDPOINT = "precis-summarizer"


def load_event(name: str) -> dict:
    """An event file from events/, the same one `sam local invoke -e` uses."""
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def function_env(function: str) -> dict[str, str]:
    """The environment events/env.json gives a function for `sam local invoke --env-vars`."""
    return json.loads((EVENTS / "env.json").read_text(encoding="utf-8"))[function]


@dataclass
class FakeLambdaContext:
    function_name: str = "precis-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:precis-test"
    aws_request_id: str = "8f4d0a4e-6d1c-4b7e-9a2e-0c6f4c1f0b1a"
    log_group_name: str = "/aws/lambda/precis-test"
    log_stream_name: str = "2026/11/25/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def load_handler(function: str) -> ModuleType:
    """functions/<function>/app.py as its own module (both files are named app.py)."""
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
    """A moto account with fake credentials; no request can leave the process."""
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
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "document_id", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "collection", "AttributeType": "S"},
            {"AttributeName": "submitted_at", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "document_id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": hash_key, "KeyType": "HASH"},
                    {"AttributeName": "submitted_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, hash_key in (("by-status", "status"), ("by-collection", "collection"))
        ],
    )
    return client


@pytest.fixture
def store(dynamodb) -> SummaryStore:
    return SummaryStore(TABLE, dynamodb)


@pytest.fixture
def s3(aws):
    client = boto3.client("s3", region_name=REGION)
    for bucket in (INPUT_BUCKET, OUTPUT_BUCKET):
        client.create_bucket(Bucket=bucket)
    return client

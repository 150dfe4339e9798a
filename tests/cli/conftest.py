"""A deployed-looking precis stack under moto: CloudFormation Outputs naming real buckets and the table."""

from __future__ import annotations

import json
from collections.abc import Callable

import boto3
import botocore.endpoint
import pytest
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws
from moto.cloudformation.parsing import ResourceMap
from precis_core.adapters.summary_store import SummaryStore
from precis_core.domain.ids import document_id, inference_id
from precis_core.domain.models import InferenceResult, Status, SummaryRecord, settle_attempt
from typer.testing import CliRunner

from precis.cli.main import app
from precis.cli.resources import StackTarget

STACK = "precis-test"
REGION = "us-east-1"

RETAINED = {"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"}
"""What template.yaml declares on the buckets, the table and the dead-letter queues (tests/template checks
it there)."""

_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {
        "RequestTTLSeconds": {"Type": "Number", "Default": "21600"},
        "InvocationTimeoutSeconds": {"Type": "Number", "Default": "900"},
        "MaxInputBytes": {"Type": "Number", "Default": "1048576"},
    },
    "Resources": {
        "InputBucket": {
            "Type": "AWS::S3::Bucket",
            **RETAINED,
            "Properties": {
                "BucketName": "precis-test-input",
                "VersioningConfiguration": {"Status": "Enabled"},
            },
        },
        "OutputBucket": {
            "Type": "AWS::S3::Bucket",
            **RETAINED,
            "Properties": {"BucketName": "precis-test-output"},
        },
        "SubmitDeadLetterQueue": {
            "Type": "AWS::SQS::Queue",
            **RETAINED,
            "Properties": {"QueueName": "precis-test-submit-dlq"},
        },
        "RecordDeadLetterQueue": {
            "Type": "AWS::SQS::Queue",
            **RETAINED,
            "Properties": {"QueueName": "precis-test-record-dlq"},
        },
        "AnalyticsDeadLetterQueue": {
            "Type": "AWS::SQS::Queue",
            **RETAINED,
            "Properties": {"QueueName": "precis-test-analytics-dlq"},
        },
        "AthenaResultsBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {"BucketName": "precis-test-athena"},
        },
        "SummariesTable": {
            "Type": "AWS::DynamoDB::Table",
            **RETAINED,
            "Properties": {
                "TableName": "precis-test-summaries",
                "BillingMode": "PAY_PER_REQUEST",
                "DeletionProtectionEnabled": True,
                "AttributeDefinitions": [
                    {"AttributeName": "document_id", "AttributeType": "S"},
                    {"AttributeName": "status", "AttributeType": "S"},
                    {"AttributeName": "collection", "AttributeType": "S"},
                    {"AttributeName": "submitted_at", "AttributeType": "S"},
                ],
                "KeySchema": [{"AttributeName": "document_id", "KeyType": "HASH"}],
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": "by-status",
                        "Projection": {"ProjectionType": "ALL"},
                        "KeySchema": [
                            {"AttributeName": "status", "KeyType": "HASH"},
                            {"AttributeName": "submitted_at", "KeyType": "RANGE"},
                        ],
                    },
                    {
                        "IndexName": "by-collection",
                        "Projection": {"ProjectionType": "ALL"},
                        "KeySchema": [
                            {"AttributeName": "collection", "KeyType": "HASH"},
                            {"AttributeName": "submitted_at", "KeyType": "RANGE"},
                        ],
                    },
                ],
            },
        },
    },
    "Outputs": {
        "InputBucketName": {"Value": {"Ref": "InputBucket"}},
        "OutputBucketName": {"Value": {"Ref": "OutputBucket"}},
        "SummariesTableName": {"Value": {"Ref": "SummariesTable"}},
        "EndpointName": {"Value": "precis-test-summarizer"},
        "SubmitDeadLetterQueueUrl": {"Value": {"Ref": "SubmitDeadLetterQueue"}},
        "RecordDeadLetterQueueUrl": {"Value": {"Ref": "RecordDeadLetterQueue"}},
    },
}


def _delete_keeping_retained(delete: Callable[[ResourceMap], None]) -> Callable[[ResourceMap], None]:
    """moto's stack deletion keeps only `Retain` resources; CloudFormation keeps `RetainExceptOnCreate`
    ones too, on every operation but the create that made them (the DeletionPolicy attribute's page)."""

    def keeping(resource_map: ResourceMap) -> None:
        for resource in resource_map._resource_json_map.values():
            if resource.get("DeletionPolicy") == "RetainExceptOnCreate":
                resource["DeletionPolicy"] = "Retain"
        delete(resource_map)

    return keeping


@pytest.fixture
def aws(monkeypatch, tmp_path):
    """Fake credentials, one region, moto for every AWS call, and no running local stack to fall back on."""
    monkeypatch.setattr(ResourceMap, "delete", _delete_keeping_retained(ResourceMap.delete))
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "PRECIS_STACK", "PRECIS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setattr("precis.cli.resources.local_state_file", lambda: tmp_path / "no-local-stack.json")
    with mock_aws():
        yield


@pytest.fixture
def stack(aws):
    """A stack named precis-test with the Outputs the CLI reads."""
    return _create_stack(_TEMPLATE)


@pytest.fixture
def unretained_stack(aws):
    """precis-test as deployed from a template that did not yet retain its buckets and table."""
    template = json.loads(json.dumps(_TEMPLATE))
    for resource in template["Resources"].values():
        for policy, retained in RETAINED.items():
            if resource.get(policy) == retained:
                del resource[policy]
        resource["Properties"].pop("DeletionProtectionEnabled", None)
    return _create_stack(template)


def _create_stack(template: dict) -> str:
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=STACK, TemplateBody=json.dumps(template)
    )
    # moto's CloudFormation does not apply VersioningConfiguration; the real template's bucket is versioned.
    boto3.client("s3", region_name=REGION).put_bucket_versioning(
        Bucket="precis-test-input", VersioningConfiguration={"Status": "Enabled"}
    )
    return STACK


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def client(aws):
    """boto3 clients in the test region, under the same moto mock as the CLI."""
    return lambda service: boto3.client(service, region_name=REGION)


@pytest.fixture
def store(stack, client):
    """The stack's summaries table, through the same store the functions use."""
    return SummaryStore("precis-test-summaries", client("dynamodb"))


@pytest.fixture
def seed(store, client):
    """Uploads an article and writes its record the way the functions do: QUEUED, then COMPLETED or FAILED."""

    def write(
        name: str,
        *,
        status: Status = Status.COMPLETED,
        collection: str = "news",
        submitted_at: str = "2026-11-24T10:00:00.000Z",
        latency_ms: int = 4000,
        words_in: int = 800,
        words_out: int = 60,
        reason: str = "the model failed",
        title: str | None = None,
        summary: str | None = None,
        key_phrases: list[str] | None = None,
        entities: list[dict[str, str]] | None = None,
    ) -> SummaryRecord:
        key = f"incoming/{collection}/{name}.txt"
        body = f"{name}\n\nAn article about {name}. It has two sentences.".encode()
        version = client("s3").put_object(Bucket="precis-test-input", Key=key, Body=body)["VersionId"]
        doc = document_id("precis-test-input", key, version)
        iid = inference_id(doc, 1)
        record = SummaryRecord(
            document_id=doc,
            status=Status.QUEUED,
            inference_id=iid,
            attempt=1,
            input_location=f"s3://precis-test-input/{key}",
            version_id=version,
            content_type="text/plain",
            collection=collection,
            submitted_at=submitted_at,
            title=name.replace("-", " ").title() if title is None else title,
            attempts=[{"inference_id": iid, "status": "QUEUED", "submitted_at": submitted_at}],
        )
        assert store.put_queued(record)
        attempts = settle_attempt(
            record.attempts,
            iid,
            status,
            "2026-11-24T10:00:04.000Z",
            reason if status is Status.FAILED else None,
        )
        if status is Status.COMPLETED:
            result = InferenceResult(
                summary=f"Summary of {name}." if summary is None else summary,
                model="extractive-wordllama",
                engine="extractive",
                words_in=words_in,
                words_out=words_out,
                chunks=1,
                key_phrases=key_phrases or [],
                entities=entities or [],
            )
            assert store.complete(
                doc,
                iid,
                result=result,
                output_location=f"s3://precis-test-output/async-output/{iid}.out",
                completed_at="2026-11-24T10:00:04.000Z",
                latency_ms=latency_ms,
                attempts=attempts,
            )
        elif status is Status.FAILED:
            assert store.fail(
                doc,
                iid,
                reason=reason,
                completed_at="2026-11-24T10:00:04.000Z",
                latency_ms=latency_ms,
                attempts=attempts,
            )
        return store.get(doc)

    return write


class Unreachable:
    """The SageMaker runtime refusing connections (an outage) until `refusing` is set False."""

    def __init__(self) -> None:
        self.refusing = True

    def __call__(self, request, **_):
        if self.refusing:
            raise EndpointConnectionError(endpoint_url=request.url)


@pytest.fixture
def endpoint_outage(monkeypatch) -> Unreachable:
    """The stack's endpoint unreachable for the CLI's clients (botocore's retries run, unslept)."""
    outage = Unreachable()
    session = StackTarget.session

    def with_outage(target: StackTarget):
        opened = session(target)
        opened.events.register_first("before-send.sagemaker-runtime.InvokeEndpointAsync", outage)
        return opened

    monkeypatch.setattr(StackTarget, "session", with_outage)
    monkeypatch.setattr(botocore.endpoint.time, "sleep", lambda _: None)
    return outage

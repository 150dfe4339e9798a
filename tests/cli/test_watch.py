"""`precis watch`: in-flight documents, backlog from CloudWatch, instance count from DescribeEndpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from precis_core.domain.ids import timestamp
from precis_core.domain.models import Status

ENDPOINT = "precis-test-summarizer"


@pytest.fixture
def endpoint(stack, client):
    """The stack's endpoint in SageMaker's control plane, and one minute of its async metrics."""
    sagemaker = client("sagemaker")
    sagemaker.create_model(
        ModelName="precis-test-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/precis-test-sagemaker",
        PrimaryContainer={
            "Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:2.1"
        },
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="precis-test-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "precis-test-model",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.g4dn.xlarge",
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="precis-test-config")
    dimensions = [{"Name": "EndpointName", "Value": ENDPOINT}]
    at = datetime.now(UTC) - timedelta(minutes=1)
    client("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {"MetricName": "ApproximateBacklogSize", "Dimensions": dimensions, "Timestamp": at, "Value": 7},
            {
                "MetricName": "ApproximateAgeOfOldestRequest",
                "Dimensions": dimensions,
                "Timestamp": at,
                "Value": 42,
            },
            {
                "MetricName": "HasBacklogWithoutCapacity",
                "Dimensions": dimensions,
                "Timestamp": at,
                "Value": 0,
            },
        ],
    )
    return ENDPOINT


def test_watch_json_snapshot(endpoint, seed, cli, stack):
    # Given one queued document and one finished one
    waiting = seed(
        "waiting", status=Status.QUEUED, submitted_at=timestamp(datetime.now(UTC) - timedelta(seconds=90))
    )
    seed("done")

    # When the user takes one snapshot
    result = cli("watch", "--stack", stack, "--json")

    # Then it shows the endpoint's capacity, its backlog metrics and only the queued document
    assert result.exit_code == 0, result.output
    snapshot = json.loads(result.stdout)
    assert snapshot["endpoint"] == ENDPOINT
    assert snapshot["capacity"]["status"] == "InService"
    assert snapshot["metrics"].pop("published_at")
    assert snapshot["metrics"] == {
        "ApproximateBacklogSize": 7.0,
        "ApproximateAgeOfOldestRequest": 42.0,
        "HasBacklogWithoutCapacity": 0.0,
    }
    assert [d["document_id"] for d in snapshot["in_flight"]] == [waiting.document_id]
    assert snapshot["in_flight"][0]["waiting_s"] >= 90


def test_watch_once_renders_the_view(endpoint, cli, stack):
    result = cli("watch", "--stack", stack, "--once")

    assert result.exit_code == 0, result.output
    assert "backlog 7" in result.output
    assert "nothing queued" in result.output


def test_watch_of_an_endpoint_that_does_not_exist(stack, cli):
    result = cli("watch", "--stack", stack, "--once")

    assert result.exit_code == 1
    assert "DescribeEndpoint failed" in result.output

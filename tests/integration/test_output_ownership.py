"""An output can complete a record only if it was written for that record's own request: a caller of
InvokeEndpointAsync repeating a QUEUED document's InferenceId (SageMaker takes repeats) writes where that
id names, not where the submit's request writes, and the record function trusts only the latter."""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

from precis.cli.main import app

pytestmark = pytest.mark.integration


def test_a_request_repeating_a_queued_documents_inference_id_cannot_complete_it(pipeline) -> None:
    collection = pipeline.new_collection("owned")
    name, text = pipeline.articles(1)[0]
    s3 = pipeline.s3

    # Given an article summarized while notifications are dropped, so its record waits QUEUED
    pipeline.stack.endpoint_admin("faults", {"drop_notifications": True})
    try:
        pipeline.upload(f"incoming/{collection}/{name}", text.encode())
        queued = pipeline.wait_until(
            lambda: [r for r in pipeline.records(collection) if r.get("dispatch") == "sent"],
            "the article's request to be accepted",
        )[0]
        bucket, key = queued["output_location"].removeprefix("s3://").split("/", 1)
        pipeline.wait_until(
            lambda: s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount"), "its output object"
        )
    finally:
        pipeline.stack.endpoint_admin("faults", {"drop_notifications": False})

    # When another caller sends its own text under that document's InferenceId (notified this time)
    s3.put_object(
        Bucket=pipeline.input_bucket, Key="forged/text.txt", Body=b"Forged words replace the summary."
    )
    forged = pipeline.stack.client("sagemaker-runtime").invoke_endpoint_async(
        EndpointName=pipeline.stack.outputs["EndpointName"],
        InputLocation=f"s3://{pipeline.input_bucket}/forged/text.txt",
        ContentType="text/plain",
        InferenceId=queued["inference_id"],
    )
    forged_bucket, forged_key = forged["OutputLocation"].removeprefix("s3://").split("/", 1)
    pipeline.wait_until(
        lambda: s3.list_objects_v2(Bucket=forged_bucket, Prefix=forged_key).get("KeyCount"),
        "the forged output",
    )
    time.sleep(5)  # the record function has its notification well within this

    # Then its output went elsewhere and the record is still QUEUED, the real output untouched
    assert forged["OutputLocation"] != queued["output_location"]
    [record] = pipeline.records(collection)
    assert record["status"] == "QUEUED"
    real = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert "Forged" not in real["summary"]

    # And reconcile completes it from its own request's output
    result = CliRunner().invoke(
        app, ["reconcile", "--endpoint-url", pipeline.stack.endpoint_url, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    [record] = pipeline.records(collection)
    assert record["status"] == "COMPLETED"
    assert record["summary"] == real["summary"] and "Forged" not in record["summary"]

"""An endpoint that refuses calls for longer than SubmitFunction's retries last, on the local stack: the
article is not stranded. Reconcile sends it again once the endpoint is back, and a redrive of the
submit DLQ finds nothing left to do."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from precis.cli.main import app

pytestmark = pytest.mark.integration


@contextmanager
def refusing(pipeline):
    """The local endpoint answering InvokeEndpointAsync with 503 ServiceUnavailable (its faults API)."""
    set_faults(pipeline, refuse_invocations=True)
    try:
        yield
    finally:
        set_faults(pipeline, refuse_invocations=False)


def set_faults(pipeline, **faults) -> None:
    answer = pipeline.stack.endpoint_admin("faults", faults)
    assert answer["refuse_invocations"] is faults["refuse_invocations"]


def precis(pipeline, *args: str):
    result = CliRunner().invoke(
        app, [*args, "--endpoint-url", pipeline.stack.endpoint_url, "--json"], catch_exceptions=False
    )
    return result.exit_code, json.loads(result.stdout)


def dead_letters(pipeline) -> list[dict]:
    """The S3 events in SubmitFunction's on-failure queue (peeked: they stay)."""
    sqs = pipeline.stack.client("sqs")
    queue = pipeline.stack.outputs["SubmitDeadLetterQueueUrl"]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [json.loads(m["Body"])["requestPayload"] for m in messages.get("Messages", [])]


def test_an_outage_longer_than_the_submit_retries_is_recovered(pipeline) -> None:
    collection = pipeline.new_collection("outage")
    name, text = pipeline.articles(1)[0]
    key = f"incoming/{collection}/{name}"

    # Given the endpoint refusing every call while an article is uploaded
    with refusing(pipeline):
        location = pipeline.upload(key, text.encode())
        # Then SubmitFunction's three tries fail, the event goes to its DLQ, and the record says so
        stranded = pipeline.wait_until(
            lambda: [r for r in pipeline.records(collection) if r.get("dispatch_failures") == 3],
            "the submit function to give up on the endpoint",
        )[0]
        assert (stranded["status"], stranded["dispatch"]) == ("QUEUED", "released")
        assert "ServiceUnavailable" in stranded["dispatch_error"]
        pipeline.wait_until(
            lambda: any(
                e["Records"][0]["s3"]["object"]["key"].endswith(name) for e in dead_letters(pipeline)
            ),
            "the S3 event in the submit DLQ",
        )

    # When the endpoint is back and the user runs reconcile
    code, report = precis(pipeline, "reconcile")

    # Then it is sent again and summarized, one endpoint acceptance for it
    assert code == 0 and report["counts"]["redispatched"] >= 1
    assert stranded["document_id"] in [c["document_id"] for c in report["changed"]]
    record = pipeline.record_at(location, collection)
    assert record["status"] == "COMPLETED" and record["summary"].strip()

    # And redriving the DLQ finds the article already handled: no second inference, the queue emptied
    code, replayed = precis(pipeline, "redrive")
    assert code == 0 and any(r["outcome"] == "duplicate" and r["what"] == key for r in replayed)
    assert not [e for e in dead_letters(pipeline) if e["Records"][0]["s3"]["object"]["key"].endswith(name)]
    assert pipeline.record_at(location, collection)["attempt"] == 1

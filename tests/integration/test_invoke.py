"""`precis local invoke` and `precis local generate-event` against the running local stack: each function on
each events/ file, and on events generated for a real upload, which the invoked SubmitFunction queues and
the stack completes."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PRECIS = Path(sys.executable).with_name("precis")
EVENTS = Path(__file__).parents[2] / "events"
REPORT = re.compile(
    r"^REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: \d+ MB\t"
    r"Max Memory Used: \d+ MB\tInit Duration: [\d.]+ ms$",
    re.MULTILINE,
)


def precis(pipeline, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """The precis command against the test's stack (its URL, as `--endpoint-url` gives it)."""
    environment = {**os.environ, "PRECIS_ENDPOINT_URL": pipeline.stack.endpoint_url}
    return subprocess.run(
        [str(PRECIS), "local", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def invoke(pipeline, function: str, event: str, *options: str) -> dict:
    done = precis(pipeline, "invoke", function, "-e", "-", *options, stdin=event)
    assert done.returncode == 0, done.stderr
    assert REPORT.search(done.stderr), done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("function", "event", "expected"),
    [
        ("SubmitFunction", "s3-put.json", {"results"}),
        ("RecordFunction", "sns-success.json", {"results"}),
        ("RecordFunction", "sns-error.json", {"results"}),
        ("ReconcileFunction", "schedule.json", {"counts", "changed", "errors"}),
        ("AnalyticsFunction", "dynamodb-completed.json", {"written"}),
    ],
)
def test_each_function_on_each_events_file(pipeline, function: str, event: str, expected: set) -> None:
    response = invoke(pipeline, function, (EVENTS / event).read_text())
    assert set(response) == expected
    if function == "SubmitFunction":  # the example's bucket is not the stack's: refused, nothing submitted
        assert response["results"][0]["outcome"] == "foreign_bucket"
    if function == "RecordFunction":  # no record has the example's inference id
        assert response["results"][0]["outcome"] == "unknown"
    if function == "AnalyticsFunction":  # the example's COMPLETED record, as a row of the analytics copy
        (written,) = response["written"]
        assert written["rows"] == 1 and written["key"].startswith("analytics/summaries/collection=finance/")
        output_bucket = pipeline.stack.outputs["OutputBucketName"]
        assert pipeline.s3.head_object(Bucket=output_bucket, Key=written["key"])["ContentLength"] > 0


def test_submit_on_a_generated_event_for_a_real_upload_ends_completed(pipeline, tmp_path: Path) -> None:
    """The upload goes to a bucket of its own, so the stack's SubmitFunction (notified of the input bucket
    only) does not race the invoked one: the QUEUED record is this invocation's. The invoked function is
    told that bucket is its input bucket with an env-vars file, as a SAM user would (it refuses events
    of any other bucket)."""
    bucket = f"debug-{uuid.uuid4().hex[:8]}"
    pipeline.s3.create_bucket(Bucket=bucket)
    key = f"incoming/{pipeline.new_collection('invoke')}/Q3 résumé (draft).txt"
    text = " ".join(pipeline.articles(1)[0][1].split()[:400])
    pipeline.s3.put_object(Bucket=bucket, Key=key, Body=text.encode(), ContentType="text/plain")

    generated = precis(pipeline, "generate-event", "s3-put", "--bucket", bucket, "--key", key)
    assert generated.returncode == 0, generated.stderr
    s3_object = json.loads(generated.stdout)["Records"][0]["s3"]["object"]
    folder = key.rsplit("/", 1)[0]
    assert s3_object["key"] == f"{folder}/Q3+r%C3%A9sum%C3%A9+%28draft%29.txt"  # as S3 encodes it
    assert s3_object["size"] == len(text.encode())

    env_vars = tmp_path / "env.json"
    env_vars.write_text(json.dumps({"SubmitFunction": {"INPUT_BUCKET": bucket}}))
    (result,) = invoke(pipeline, "SubmitFunction", generated.stdout, "-n", str(env_vars))["results"]
    assert result["outcome"] == "queued", result
    document = result["document_id"]
    record = pipeline.wait_until(
        lambda: (
            (item := _record(pipeline, document)) and item["status"]["S"] in ("COMPLETED", "FAILED") and item
        ),
        f"document {document} finished",
    )
    assert record["status"]["S"] == "COMPLETED", record.get("failure_reason")

    notification = precis(pipeline, "generate-event", "sns-success", "--document", document)
    assert notification.returncode == 0, notification.stderr
    (recorded,) = invoke(pipeline, "RecordFunction", notification.stdout)["results"]
    assert (recorded["outcome"], recorded["inference_id"]) == ("duplicate", f"{document}-1")

    scheduled = precis(pipeline, "generate-event", "schedule")
    assert scheduled.returncode == 0, scheduled.stderr
    assert invoke(pipeline, "ReconcileFunction", scheduled.stdout)["errors"] == []

    # The stream's record of the COMPLETED write, as AnalyticsFunction receives it, writes the row again
    streamed = precis(pipeline, "generate-event", "dynamodb-completed", "--document", document)
    assert streamed.returncode == 0, streamed.stderr
    (change,) = json.loads(streamed.stdout)["Records"]
    assert (change["eventSource"], change["dynamodb"]["NewImage"]["status"]) == (
        "aws:dynamodb",
        {"S": "COMPLETED"},
    )
    assert change["eventSourceARN"].startswith(f"arn:aws:dynamodb:{pipeline.stack.region}:")
    (written,) = invoke(pipeline, "AnalyticsFunction", streamed.stdout)["written"]
    body = pipeline.s3.get_object(Bucket=pipeline.stack.outputs["OutputBucketName"], Key=written["key"])[
        "Body"
    ]
    assert document in gzip.decompress(body.read()).decode()

    unknown = precis(pipeline, "generate-event", "dynamodb-completed", "--document", "0" * 32)
    assert unknown.returncode == 1 and "no COMPLETED write" in unknown.stderr


def _record(pipeline, document: str) -> dict | None:
    return pipeline.dynamodb.get_item(TableName=pipeline.table, Key={"document_id": {"S": document}}).get(
        "Item"
    )

"""The `precis` document commands against the running local stack: the same code users run on AWS."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from precis_core.adapters.articles import SAMPLE_BYTES
from precis_core.adapters.summary_store import SummaryStore
from precis_core.domain.ids import timestamp
from precis_core.domain.models import Dispatch, Status, SummaryRecord
from typer.testing import CliRunner

from precis.cli.main import app

pytestmark = pytest.mark.integration


@pytest.fixture
def precis(local_stack):
    """Runs `precis ARGS --endpoint-url <the local stack>`; returns the click Result."""
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, [*args, "--endpoint-url", local_stack.endpoint_url], catch_exceptions=False)

    return run


@pytest.fixture
def collection() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}"


def test_submit_wait_then_list_get_stats_export(precis, pipeline, collection, tmp_path: Path):
    # Given two real articles in a folder
    for name, text in pipeline.articles(2):
        (tmp_path / name).write_text(text, encoding="utf-8")

    # When they are submitted and followed to the end
    submitted = precis(
        "submit", str(tmp_path), "--collection", collection, "--wait", "--timeout", "120", "--json"
    )

    # Then both completed, and every read command sees them
    assert submitted.exit_code == 0, submitted.output
    settled = json.loads(submitted.stdout)["settled"]
    assert [r["status"] for r in settled] == ["COMPLETED", "COMPLETED"]
    listed = json.loads(precis("list", "--collection", collection, "--json").stdout)
    assert sorted(r["document_id"] for r in listed) == sorted(r["document_id"] for r in settled)
    shown = json.loads(precis("get", settled[0]["document_id"], "--json").stdout)
    assert shown["summary"].strip() and shown["words_out"] < shown["words_in"]
    by_uri = json.loads(precis("get", shown["input_location"], "--json").stdout)
    assert by_uri["document_id"] == shown["document_id"]
    stats = json.loads(precis("stats", "--collection", collection, "--json").stdout)
    assert stats["counts"]["COMPLETED"] == 2 and stats["latency_ms"]["max"] > 0
    exported = precis("export", "--collection", collection, "--format", "jsonl").stdout.splitlines()
    assert {json.loads(line)["document_id"] for line in exported} == {r["document_id"] for r in settled}


def test_retry_of_a_document_the_endpoint_failed_runs_a_second_attempt(precis, collection, tmp_path: Path):
    # Given an article the submit function accepts but the endpoint refuses (an unknown parameter),
    # longer than the start the submit function parses
    articles = tmp_path / "bad-parameters.jsonl"
    text = "A long article. It has many sentences. " * (SAMPLE_BYTES // 30)
    articles.write_text(json.dumps({"parameters": {"bogus": 1}, "text": text}))
    first = precis(
        "submit", str(articles), "--collection", collection, "--wait", "--timeout", "120", "--json"
    )
    assert first.exit_code == 1
    failed = json.loads(first.stdout)["settled"][0]
    assert failed["status"] == "FAILED" and "bogus" in failed["failure_reason"]

    # When the user retries it and waits
    retried = precis("retry", failed["document_id"], "--wait", "--json")

    # Then the endpoint ran attempt 2 under inference id <document_id>-2, and both attempts are kept
    assert retried.exit_code == 1  # it failed again: the input did not change
    record = json.loads(precis("get", failed["document_id"], "--json").stdout)
    assert record["attempt"] == 2 and record["inference_id"] == f"{failed['document_id']}-2"
    assert [(a["inference_id"], a["status"]) for a in record["attempts"]] == [
        (f"{failed['document_id']}-1", "FAILED"),
        (f"{failed['document_id']}-2", "FAILED"),
    ]


def test_reconcile_completes_a_record_whose_notification_was_lost(precis, local_stack):
    # Given a QUEUED record whose output object exists but whose notification never came
    outputs = local_stack.outputs
    store = SummaryStore(outputs["SummariesTableName"], local_stack.client("dynamodb"))
    document = uuid.uuid4().hex
    inference = f"{document}-1"
    output = f"s3://{outputs['OutputBucketName']}/async-output/{inference}.out"
    assert store.put_queued(
        SummaryRecord(
            document_id=document,
            status=Status.QUEUED,
            inference_id=inference,
            attempt=1,
            input_location=f"s3://{outputs['InputBucketName']}/incoming/lost/article.txt",
            collection="lost",
            submitted_at=timestamp(),
            dispatch=Dispatch.SENT,
            output_location=output,
            attempts=[{"inference_id": inference, "status": "QUEUED"}],
        )
    )
    local_stack.client("s3").put_object(
        Bucket=outputs["OutputBucketName"],
        Key=f"async-output/{inference}.out",
        Body=json.dumps(
            {
                "summary": "Recovered.",
                "model": "m",
                "engine": "extractive",
                "words_in": 50,
                "words_out": 1,
                "chunks": 1,
                "elapsed_ms": 3,
            }
        ).encode(),
    )

    # When reconcile runs, twice
    first = precis("reconcile", "--json")
    second = precis("reconcile", "--json")

    # Then the first completes it from the object and the second changes nothing
    assert first.exit_code == 0, first.output
    assert {"document_id": document, "inference_id": inference, "outcome": "completed"} in json.loads(
        first.stdout
    )["changed"]
    assert document not in {c["document_id"] for c in json.loads(second.stdout)["changed"]}
    record = store.get(document)
    assert (record.status, record.summary) == (Status.COMPLETED, "Recovered.")


def test_an_unknown_id_against_the_local_stack(precis):
    result = precis("get", "0" * 32)

    assert result.exit_code == 1
    assert "no document" in result.output

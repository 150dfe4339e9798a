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

from precis import paths
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


def test_metadata_reaches_the_record_from_jsonl_lines_flags_and_documents(
    precis, pipeline, collection, tmp_path: Path
):
    # Given a JSON-lines file with a dataset's fields, a Markdown note and the sample PDF and .docx
    article = pipeline.articles(1)[0][1]
    line = {
        "id": "cnn-00417",
        "title": "Harbour berth opens",
        "url": "https://news.example/berth",
        "source": "Example Wire",
        "authors": ["R. Ames"],
        "published": "2026-02-03T08:00:00Z",
        "highlights": "not part of the request",
        "text": article,
    }
    (tmp_path / "wire.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    note = tmp_path / "note.md"
    note.write_text(
        "---\ntitle: From the front matter\ndate: 2026-01-09\n---\n\n" + article, encoding="utf-8"
    )
    samples = paths.samples_dir()

    # When they are submitted and followed, the note with --title and --published
    first = precis("submit", str(tmp_path / "wire.jsonl"), "--collection", collection, "--wait", "--json")
    second = precis(
        "submit", str(note), "--title", "Chosen by the user", "--published", "2026-01-10",
        "--url", "https://intra.example/note", "--collection", collection, "--wait", "--json",
    )  # fmt: skip
    third = precis(
        "submit", str(samples / "field-report-cold-chain-sensors.pdf"),
        str(samples / "briefing-harbour-district-flood-barrier.docx"),
        "--collection", collection, "--wait", "--json",
    )  # fmt: skip
    for result in (first, second, third):
        assert result.exit_code == 0, result.output

    # Then each record carries its metadata and where its date came from
    records = {
        r["title"]: r
        for r in (
            json.loads(line) for line in precis("export", "--collection", collection).stdout.splitlines()
        )
    }
    wire = records["Harbour berth opens"]
    assert (wire["article_id"], wire["url"], wire["source"], wire["authors"]) == (
        "cnn-00417", "https://news.example/berth", "Example Wire", ["R. Ames"],
    )  # fmt: skip
    assert (wire["published"], wire["published_source"], wire["title_source"]) == (
        "2026-02-03",
        "json",
        "json",
    )
    chosen = records["Chosen by the user"]
    assert (chosen["published"], chosen["published_source"], chosen["url"]) == (
        "2026-01-10", "s3 metadata", "https://intra.example/note",
    )  # fmt: skip
    pdf = records["Cold-chain sensors in regional pharmacy deliveries: a twelve-month field report"]
    assert (pdf["status"], pdf["published"], pdf["published_source"]) == (
        "COMPLETED",
        "2026-03-18",
        "pdf properties",
    )
    assert pdf["authors"] == ["Vantmoor Pharmacy Cooperative"]
    docx = records["Harbour district flood barrier: options for the council"]
    assert (docx["status"], docx["published"], docx["published_source"]) == (
        "COMPLETED",
        "2025-12-02",
        "docx properties",
    )
    # And `precis get` shows them
    shown = precis("get", pdf["document_id"])
    assert "2026-03-18 (pdf properties)" in shown.stdout and "Vantmoor Pharmacy Cooperative" in shown.stdout


def test_summary_settings_from_the_command_line_shape_the_summary(
    precis, pipeline, collection, tmp_path: Path
):
    # Given an article, and a PDF (whose format has no room for parameters of its own)
    article = tmp_path / "article.txt"
    article.write_text(pipeline.articles(1)[0][1], encoding="utf-8")
    pdf = paths.samples_dir() / "field-report-cold-chain-sensors.pdf"

    # When both are submitted asking for two-sentence summaries, and a third with a value past the limit
    result = precis(
        "submit", str(article), str(pdf), "--sentences", "2", "--collection", collection, "--wait"
    )
    refused = precis("submit", str(article), "--sentences", "51", "--collection", collection)

    # Then both summaries have two sentences, and the record says why
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in precis("export", "--collection", collection).stdout.splitlines()]
    assert len(records) == 2
    for record in records:
        assert record["status"] == "COMPLETED" and record["parameters"] == {"sentences": 2}
        assert record["words_out"] < record["words_in"] // 4
    assert refused.exit_code == 2 and "--sentences" in refused.output


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

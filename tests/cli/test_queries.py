"""`precis get`, `list`, `stats`, `export` against a moto stack found by its CloudFormation Outputs."""

from __future__ import annotations

import csv
import io
import json

import pytest
import typer
from botocore.exceptions import EndpointConnectionError
from precis_core.domain.ids import document_id
from precis_core.domain.models import Status, SummaryRecord

from precis.cli import console


def test_get_shows_a_completed_summary(seed, cli, stack):
    record = seed("rising-seas")

    result = cli("get", record.document_id, "--stack", stack)

    assert result.exit_code == 0, result.output
    assert "COMPLETED" in result.output
    assert "Summary of rising-seas." in result.output
    assert "800 → 60" in result.output
    assert "extractive-wordllama (offline extractive engine, " in result.output


def test_get_shows_what_the_article_is_about_escaped(seed, cli, stack):
    # Given a summary whose key phrases and names came from the article's own (hostile) text
    record = seed(
        "grid-note",
        key_phrases=["grid storage", "[bold]tariff[/bold]", "\x1b]8;;http://x\x07link"],
        entities=[{"text": "Halvorsen Grid", "type": "ORG"}, {"text": "Oslo", "type": "PLACE"}],
    )

    # When the user opens it
    result = cli("get", record.document_id, "--stack", stack)

    # Then both are shown, best first, with markup and escape sequences made harmless
    assert result.exit_code == 0, result.output
    assert "grid storage; [bold]tariff[/bold]; link" in result.output  # the OSC 8 link is removed
    assert "Halvorsen Grid (org); Oslo (place)" in result.output
    assert "\x1b" not in result.output


def test_get_says_when_the_summary_was_cut_to_fit_the_record(seed, cli, stack):
    record = seed("very-long", summary="A finding worth a sentence. " * 10_000)

    result = cli("get", record.document_id, "--stack", stack)

    assert result.exit_code == 0, result.output
    assert "the whole summary is in" in result.output
    assert f"{record.inference_id}.out" in "".join(result.output.split())  # the line wraps


def test_get_json_by_inference_id(seed, cli, stack):
    record = seed("rising-seas", status=Status.FAILED, reason="input too long")

    result = cli("get", record.inference_id, "--stack", stack, "--json")

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["document_id"] == record.document_id
    assert shown["status"] == "FAILED"
    assert shown["failure_reason"] == "input too long"


@pytest.mark.parametrize(
    ("versioned", "key"),
    [
        (True, "incoming/news/a b.txt"),  # AWS: the submit function keys the record by VersionId
        (False, "incoming/news/b.txt"),  # moto's events carry no versionId: keyed by ETag
    ],
)
def test_get_by_s3_uri_finds_the_record_of_the_uploaded_object(stack, store, cli, client, versioned, key):
    # Given an uploaded article and its record under the id the submit function gives it
    s3 = client("s3")
    if versioned:
        s3.put_bucket_versioning(Bucket="precis-test-input", VersioningConfiguration={"Status": "Enabled"})
    uploaded = s3.put_object(Bucket="precis-test-input", Key=key, Body=b"text")
    version = uploaded["VersionId"] if versioned else uploaded["ETag"].strip('"')
    doc = document_id("precis-test-input", key, version)
    store.put_queued(
        SummaryRecord(
            document_id=doc,
            status=Status.QUEUED,
            inference_id=f"{doc}-1",
            attempt=1,
            input_location=f"s3://precis-test-input/{key}",
            collection="news",
            submitted_at="2026-11-24T10:00:00.000Z",
        )
    )

    # When it is looked up by its S3 URI
    result = cli("get", f"s3://precis-test-input/{key}", "--stack", stack, "--json")

    # Then that record is shown
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["document_id"] == doc


def test_get_unknown_id_exits_1(stack, cli):
    result = cli("get", "0" * 32, "--stack", stack)

    assert result.exit_code == 1
    assert f"no document {'0' * 32}" in result.output


def test_get_rejects_what_is_not_an_id(stack, cli):
    result = cli("get", "hello", "--stack", stack)

    assert result.exit_code == 1
    assert "not a document id" in result.output


def test_get_of_a_missing_object_says_so(stack, cli):
    result = cli("get", "s3://precis-test-input/incoming/none.txt", "--stack", stack)

    assert result.exit_code == 1
    assert "no object at s3://precis-test-input/incoming/none.txt" in result.output


def test_list_merges_statuses_newest_first(seed, cli, stack):
    seed("old", submitted_at="2026-11-24T08:00:00.000Z")
    seed("broken", status=Status.FAILED, submitted_at="2026-11-24T09:00:00.000Z")
    seed("pending", status=Status.QUEUED, submitted_at="2026-11-24T10:00:00.000Z")

    result = cli("list", "--stack", stack, "--json")

    assert result.exit_code == 0, result.output
    assert [row["title"] for row in json.loads(result.stdout)] == ["Pending", "Broken", "Old"]


def test_list_filters_by_status_collection_since_and_limit(seed, cli, stack):
    for hour in range(5):
        seed(f"news-{hour}", submitted_at=f"2026-11-24T0{hour}:00:00.000Z")
    seed("paper", collection="papers", submitted_at="2026-11-24T04:30:00.000Z")
    seed("bad-news", status=Status.FAILED, submitted_at="2026-11-24T04:45:00.000Z")

    by_status = json.loads(
        cli(
            "list",
            "--stack",
            stack,
            "--status",
            "completed",
            "--since",
            "2026-11-24T02:00:00Z",
            "--limit",
            "2",
            "--json",
        ).output
    )
    by_collection = json.loads(
        cli("list", "--stack", stack, "--collection", "news", "--status", "FAILED", "--json").output
    )

    assert [row["title"] for row in by_status] == ["Paper", "News 4"]
    assert [row["title"] for row in by_collection] == ["Bad News"]


def test_list_pages_through_more_than_one_query_page(seed, cli, stack):
    for n in range(105):
        seed(f"doc-{n:03d}", submitted_at=f"2026-11-24T10:{n // 60:02d}:{n % 60:02d}.000Z")

    rows = json.loads(cli("list", "--stack", stack, "--limit", "200", "--json").stdout)

    assert len(rows) == 105
    assert rows[0]["title"] == "Doc 104"


@pytest.mark.parametrize(
    ("width", "columns"),
    [
        (80, ["document", "status"]),
        (90, ["document", "status", "submitted (UTC)"]),
        (160, ["document", "status", "submitted (UTC)", "latency", "words in → out"]),
    ],
)
def test_list_keeps_the_status_on_a_narrow_terminal(seed, cli, stack, monkeypatch, width, columns):
    # Given a terminal of `width` columns and a record with a long title
    monkeypatch.setattr(console.console, "width", width)
    seed("wide", status=Status.FAILED, title="A title longer than any terminal " * 4)

    result = cli("list", "--stack", stack)

    # Then every line fits, the header has the columns that fit and then the (cut) title's, and the
    # status is never squeezed out
    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()
    *fixed, title = [part.strip() for part in header.split("  ") if part.strip()]
    assert fixed == columns and title.startswith("collection")
    assert "FAILED" in row and row.rstrip().endswith("…")
    assert max(len(line) for line in result.output.splitlines()) <= width
    # And the title keeps room to be read
    assert len(row.split("news / ", 1)[1]) >= 16


def test_list_of_failures_shows_each_reason_in_full(seed, cli, stack, monkeypatch):
    monkeypatch.setattr(console.console, "width", 80)
    reason = "the PDF is encrypted (password-protected): upload a copy saved without a password"
    seed("locked", status=Status.FAILED, title="Quarterly note", reason=reason)

    result = cli("list", "--status", "failed", "--stack", stack)

    assert result.exit_code == 0, result.output
    assert "collection / title: reason" in result.output
    text = " ".join(" ".join(line.split()) for line in result.output.splitlines()[1:])
    assert "Quarterly note: the PDF is encrypted" in text and "without a password" in text
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_list_of_an_empty_table(stack, cli):
    result = cli("list", "--stack", stack)

    assert result.exit_code == 0
    assert "no documents match" in result.output


def test_list_rejects_a_bad_since(stack, cli):
    result = cli("list", "--stack", stack, "--since", "yesterday-ish")

    assert result.exit_code == 2
    assert "--since" in result.output


def test_stats_counts_and_latency_percentiles(seed, cli, stack):
    for n, latency in enumerate([1000, 2000, 3000, 4000, 10000]):
        seed(f"done-{n}", latency_ms=latency, words_in=1000, words_out=50)
    seed("failed", status=Status.FAILED)
    seed("waiting", status=Status.QUEUED)

    result = cli("stats", "--stack", stack, "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "counts": {"QUEUED": 1, "COMPLETED": 5, "FAILED": 1},
        "latency_ms": {"p50": 3000, "p95": 10000, "max": 10000},
        "words_in": 5000,
        "words_out": 250,
        "dismissed": 0,
        "superseded": 0,
    }
    table = cli("stats", "--stack", stack).output
    assert "latency p95" in table and "10.0s" in table


def test_stats_counts_the_newest_attempt_of_each_file_and_leaves_dismissed_failures_out(seed, cli, stack):
    # Given a file that failed and was then re-uploaded and completed, and another failure
    seed("report", status=Status.FAILED, submitted_at="2026-11-24T01:00:00.000Z")
    seed("report", submitted_at="2026-11-24T02:00:00.000Z")
    lost = seed("scan", status=Status.FAILED, submitted_at="2026-11-24T03:00:00.000Z")
    counted = json.loads(cli("stats", "--stack", stack, "--json").stdout)
    assert counted["counts"] == {"QUEUED": 0, "COMPLETED": 1, "FAILED": 1}
    assert counted["superseded"] == 1

    # When the user dismisses the failure they will not fix (and tries a completed one)
    dismissed = cli("dismiss", lost.document_id, "--stack", stack)
    refused = cli("dismiss", seed("fine").document_id, "--stack", stack)

    # Then stats no longer count it as FAILED, get says so, and a completed one cannot be dismissed
    assert dismissed.exit_code == 0 and "dismissed" in dismissed.output
    assert refused.exit_code == 1 and "only a FAILED one can be" in " ".join(refused.output.split())
    after = json.loads(cli("stats", "--stack", stack, "--json").stdout)
    assert after["counts"]["FAILED"] == 0 and after["dismissed"] == 1
    assert "dismissed" in cli("get", lost.document_id, "--stack", stack).output


def test_stats_of_an_empty_table(stack, cli):
    result = cli("stats", "--stack", stack, "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)["counts"] == {"QUEUED": 0, "COMPLETED": 0, "FAILED": 0}


def test_export_jsonl_and_csv(seed, cli, stack, tmp_path):
    seed("one", submitted_at="2026-11-24T01:00:00.000Z")
    seed("two", status=Status.FAILED, submitted_at="2026-11-24T02:00:00.000Z")

    lines = cli("export", "--stack", stack, "--format", "jsonl").output.splitlines()
    target = tmp_path / "out.csv"
    written = cli(
        "export",
        "--stack",
        stack,
        "--format",
        "csv",
        "--since",
        "2026-11-24T01:30:00Z",
        "--output",
        str(target),
    )

    assert [json.loads(line)["title"] for line in lines] == ["Two", "One"]
    assert json.loads(lines[1])["summary"] == "Summary of one."
    assert "wrote 1 records" in written.output
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [(row["title"], row["status"], row["failure_reason"]) for row in rows] == [
        ("Two", "FAILED", "the model failed")
    ]


def test_an_unknown_stack_is_reported(aws, cli):
    result = cli("list", "--stack", "no-such-stack")

    assert result.exit_code == 1
    assert "stack no-such-stack not found" in result.output


def test_missing_credentials_are_reported(aws, cli, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")

    result = cli("stats", "--stack", "precis-test")

    assert result.exit_code == 1
    assert "no AWS credentials found" in result.output


def test_no_target_is_a_usage_error(aws, cli):
    result = cli("list")

    assert result.exit_code == 2
    assert "--stack NAME" in result.output


def test_an_unreachable_local_endpoint_is_reported(aws, cli):
    result = cli("list", "--endpoint-url", "http://127.0.0.1:9")

    assert result.exit_code == 1
    assert "cannot reach http://127.0.0.1:9" in result.output


def test_an_unreachable_aws_region_does_not_suggest_the_local_stack(capsys):
    url = "https://cloudformation.mars-1.amazonaws.com/"
    with pytest.raises(typer.Exit), console.explained_errors():
        raise EndpointConnectionError(endpoint_url=url)
    said = " ".join(capsys.readouterr().err.split())
    assert f"cannot reach {url}: check the region (--region, AWS_REGION) and the network" in said
    assert "precis local up" not in said


def test_export_csv_with_a_bom_and_parquet_for_spreadsheets_and_dataframes(seed, cli, stack, tmp_path):
    import pyarrow.parquet as pq

    seed("one", submitted_at="2026-11-24T01:00:00.000Z", title="Zürich café prices")
    seed("two", status=Status.FAILED, submitted_at="2026-11-24T02:00:00.000Z")

    sheet = tmp_path / "out.csv"
    table = tmp_path / "out.parquet"
    assert cli("export", "--stack", stack, "--format", "csv", "--bom", "-o", str(sheet)).exit_code == 0
    assert cli("export", "--stack", stack, "--format", "parquet", "-o", str(table)).exit_code == 0
    refused = cli("export", "--stack", stack, "--format", "parquet")

    raw = sheet.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfdocument_id,")
    assert "Zürich café prices" in raw.decode("utf-8-sig")
    rows = pq.read_table(table).to_pylist()
    assert [(row["title"], row["status"], row["words_in"]) for row in rows] == [
        ("Two", "FAILED", None),
        ("Zürich café prices", "COMPLETED", 800),
    ]
    assert refused.exit_code == 2 and "--output" in refused.output


def test_collections_and_stats_by_collection_count_each_one_with_its_newest_date(seed, cli, stack):
    seed("a", collection="finance", submitted_at="2026-11-24T01:00:00.000Z")
    seed("b", collection="finance", status=Status.FAILED, submitted_at="2026-11-24T05:00:00.000Z")
    seed("c", collection="health", submitted_at="2026-11-24T03:00:00.000Z")

    listed = json.loads(cli("collections", "--stack", stack, "--json").stdout)
    stats = json.loads(cli("stats", "--by-collection", "--stack", stack, "--json").stdout)
    table = cli("collections", "--stack", stack).output

    assert listed == {
        "finance": {
            "counts": {"QUEUED": 0, "COMPLETED": 1, "FAILED": 1},
            "dismissed": 0,
            "newest": "2026-11-24T05:00:00.000Z",
        },
        "health": {
            "counts": {"QUEUED": 0, "COMPLETED": 1, "FAILED": 0},
            "dismissed": 0,
            "newest": "2026-11-24T03:00:00.000Z",
        },
    }
    assert stats["by_collection"] == listed and stats["counts"]["COMPLETED"] == 2
    assert "finance" in table and "2026-11-24 05:00:00" in table

"""Completed records reach the analytics copy through the table's stream (AnalyticsFunction, polled as
Lambda's event source mapping polls), and `precis sql`, `trends` and `search` read that copy through the
S3 API with DuckDB."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from precis.samples import sample_files

pytestmark = pytest.mark.integration

_PRECIS = Path(sys.executable).with_name("precis")


def _precis(pipeline, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(_PRECIS), *args, "--endpoint-url", pipeline.stack.endpoint_url]
    return subprocess.run(
        command, env=pipeline.cli_environment(), capture_output=True, text=True, timeout=120, check=False
    )


def _sql(pipeline, query: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return _precis(pipeline, "sql", query, *flags)


def _summarized_samples(pipeline, name: str) -> tuple[str, list[dict]]:
    """The sample articles uploaded into a new collection; the collection and its final records."""
    collection = pipeline.new_collection(name)
    files = sample_files()
    for path in files:
        pipeline.upload(f"incoming/{collection}/{path.name}", path.read_bytes())
    return collection, pipeline.wait_for_records(collection, len(files))


def test_samples_through_the_stack_are_counted_by_precis_sql(pipeline) -> None:
    # Given the sample articles uploaded into a collection of their own
    collection, records = _summarized_samples(pipeline, "analytics")
    completed = {r["document_id"] for r in records if r["status"] == "COMPLETED"}
    assert completed
    # Each record keeps what its article is about, as the endpoint found it (an article with no named
    # thing the rules can type, like the council briefing, has no `entities` attribute)
    about = {
        r["document_id"]: (r["key_phrases"], r.get("entities", []))
        for r in records
        if r["status"] == "COMPLETED"
    }
    assert all(phrases and len(phrases) <= 15 for phrases, _ in about.values())
    assert {thing["type"] for _, things in about.values() for thing in things} >= {"ORG", "PERSON", "PLACE"}

    # When the stream batches have been written (the batching window on the stack's clock)
    bucket = pipeline.stack.outputs["OutputBucketName"]
    prefix = f"analytics/summaries/collection={collection}/"

    def copied() -> list[dict]:
        listed = pipeline.s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        lines = []
        for item in listed:
            body = pipeline.s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            lines += [json.loads(line) for line in gzip.decompress(body).decode().splitlines()]
        return lines if len(lines) >= len(completed) else []

    rows = pipeline.wait_until(copied, "the completed records in the analytics copy")

    # Then each completed record is there once, as gzip JSON lines, under its collection and day
    assert sorted(row["document_id"] for row in rows) == sorted(completed)
    assert {row["collection"] for row in rows} == {collection}
    assert {row["document_id"]: (row["key_phrases"], row["entities"]) for row in rows} == about

    # And precis sql sees them, as a count and as the rows' columns
    query = f"SELECT count(*) AS documents FROM summaries WHERE collection = '{collection}'"
    counted = _sql(pipeline, query, "--json")
    assert counted.returncode == 0, counted.stderr
    assert json.loads(counted.stdout) == [{"documents": len(completed)}]

    listed = _sql(
        pipeline,
        f"SELECT document_id, status, published_source FROM summaries WHERE collection = '{collection}' "
        "ORDER BY document_id",
        "--csv",
    )
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "document_id,status,published_source"
    assert [line.split(",")[0] for line in lines[1:]] == sorted(completed)
    assert {line.split(",")[1] for line in lines[1:]} == {"COMPLETED"}

    # And the names are there to query, one row per mention
    people = _sql(
        pipeline,
        f"SELECT DISTINCT e.text FROM summaries CROSS JOIN UNNEST(entities) AS t(e) "
        f"WHERE collection = '{collection}' AND e.type = 'PERSON' ORDER BY 1",
        "--json",
    )
    assert people.returncode == 0, people.stderr
    expected = sorted({t["text"] for _, things in about.values() for t in things if t["type"] == "PERSON"})
    assert [row["text"] for row in json.loads(people.stdout)] == expected


def test_a_bad_query_is_one_clear_error(pipeline) -> None:
    done = _sql(pipeline, "SELECT nonsense FROM summaries")
    assert done.returncode == 1
    assert "query failed" in done.stderr and "nonsense" in done.stderr


def test_trends_and_search_read_the_stack_copy(pipeline, tmp_path) -> None:
    # Given the samples summarized into a collection of their own
    collection, records = _summarized_samples(pipeline, "trends")
    completed = {r["document_id"]: r for r in records if r["status"] == "COMPLETED"}
    assert completed
    count = f"SELECT count(*) AS documents FROM summaries WHERE collection = '{collection}'"

    # When their rows have reached the analytics copy (after the stream's batching window)
    def copied() -> bool:
        done = _sql(pipeline, count, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) == [{"documents": len(completed)}]

    pipeline.wait_until(copied, "the completed records in the analytics copy")
    dated = _sql(
        pipeline,
        "SELECT min(coalesce(published, submitted_at))::DATE AS first, "
        "max(coalesce(published, submitted_at))::DATE + 1 AS after "
        f"FROM summaries WHERE collection = '{collection}'",
        "--json",
    )
    assert dated.returncode == 0, dated.stderr
    span = json.loads(dated.stdout)[0]

    # Then precis trends, with no --duckdb, counts every one of them in the months they fall in
    trended = _precis(
        pipeline, "trends", "--collection", collection, "--by", "month",
        "--since", span["first"], "--until", span["after"], "--json",
    )  # fmt: skip
    assert trended.returncode == 0, trended.stderr
    trends = json.loads(trended.stdout)
    assert trends["collection"] == collection and trends["by"] == "month"
    assert sum(period["documents"] for period in trends["periods"]) == len(completed)

    # And precis search finds a summary by its own title, first, in that collection only
    wanted = next(record for record in completed.values() if record.get("title"))
    found = _precis(
        pipeline, "search", wanted["title"], "--collection", collection,
        "--index", str(tmp_path / "index"), "--json",
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert hits and hits[0]["document_id"] == wanted["document_id"]
    assert hits[0]["title"] == wanted["title"]
    assert {hit["collection"] for hit in hits} == {collection}
    assert {hit["document_id"] for hit in hits} <= set(completed)

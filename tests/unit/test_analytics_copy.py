"""Every record is in the by-published index, and AnalyticsFunction turns the table's stream into the
analytics copy: gzip JSON lines per collection and day, only for records that became COMPLETED, the same
object again for a retried batch."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import boto3
from precis_core.adapters.analytics_copy import AnalyticsCopy
from precis_core.domain.analytics_rows import ROW_FIELDS, analytics_row, sql_timestamp
from precis_core.domain.models import InferenceResult
from precis_core.services.analytics import AnalyticsWriter
from test_core_store import DOC
from test_core_store import queued as queued_record
from test_record_function import OUTPUT

from precis.analytics.schema import ALL_COLUMNS, PARTITIONS

PREFIX = "analytics/summaries/"
EVENTS = Path(__file__).resolve().parents[2] / "events"
OUTPUT_BUCKET = json.loads((EVENTS / "env.json").read_text())["AnalyticsFunction"]["ANALYTICS_BUCKET"]


def test_an_output_without_them_still_completes() -> None:
    result = InferenceResult.from_output(OUTPUT)
    assert (result.key_phrases, result.entities) == ([], [])


def test_every_record_is_in_the_published_index_and_a_period_is_a_query(store, dynamodb) -> None:
    # Given records of one collection: two with their own dates, one without (submitted on 11-25)
    dated = [("a" * 32, "2026-03-02", "json"), ("b" * 32, "2026-03-20", "html")]
    for document_id, published, source in dated:
        record = queued_record(document_id, collection="news")
        record.published, record.published_source = published, source
        assert store.put_queued(record)
    assert store.put_queued(
        queued_record("c" * 32, collection="news", submitted_at="2026-11-25T01:00:00.000Z")
    )
    assert store.put_queued(queued_record("d" * 32, collection="other"))
    calls = []
    dynamodb.meta.events.register("provide-client-params.dynamodb.*", lambda params, **kw: calls.append(kw))

    # When a period of the collection is read by publication date
    march = store.query_by_published("news", start="2026-03-01", end="2026-03-31")
    november = store.query_by_published("news", start="2026-11-01", end="2026-11-30")

    # Then the records come from the index, oldest first, the undated one under its submission day
    assert [r.document_id for r in march.records] == ["a" * 32, "b" * 32]
    assert [(r.document_id, r.published, r.published_source) for r in november.records] == [
        ("c" * 32, "2026-11-25", "submitted")
    ]
    assert [call["model"].name for call in calls] == ["Query", "Query"]


def stream_event(*, old_status: str = "QUEUED", new_status: str = "COMPLETED") -> dict:
    event = json.loads((EVENTS / "dynamodb-completed.json").read_text(encoding="utf-8"))
    change = event["Records"][0]["dynamodb"]
    change["OldImage"]["status"] = {"S": old_status}
    change["NewImage"]["status"] = {"S": new_status}
    return event


def _copy(s3) -> dict[str, list[dict]]:
    listed = s3.list_objects_v2(Bucket=OUTPUT_BUCKET, Prefix=PREFIX).get("Contents", [])
    return {
        item["Key"]: [
            json.loads(line)
            for line in gzip.decompress(s3.get_object(Bucket=OUTPUT_BUCKET, Key=item["Key"])["Body"].read())
            .decode()
            .splitlines()
        ]
        for item in listed
    }


def test_a_completed_record_lands_once_as_a_json_line_under_its_collection_and_day(
    analytics_handler, s3, lambda_context
) -> None:
    handler = analytics_handler
    event = stream_event()

    handler(event, lambda_context)
    handler(event, lambda_context)  # Lambda retrying the same batch

    copy = _copy(s3)
    sequence = event["Records"][0]["dynamodb"]["SequenceNumber"]
    assert list(copy) == [f"{PREFIX}collection=finance/day=2026-11-25/{sequence}.json.gz"]
    (row,) = copy[next(iter(copy))]
    assert list(row) == list(ROW_FIELDS)
    assert row["published"] == "2026-11-24 00:00:00.000"
    assert row["published_source"] == "json"
    assert row["completed_at"] == "2026-11-25 01:02:09.120"
    assert row["key_phrases"] == ["third quarter", "transformer contracts", "grid business"]
    assert row["entities"][0] == {"text": "Halvorsen Grid Systems", "type": "ORG"}
    assert row["source_uri"].startswith("s3://") and row["words_in"] == 1840


def test_only_the_change_to_completed_is_copied(analytics_handler, s3, lambda_context) -> None:
    handler = analytics_handler
    for old, new in (("QUEUED", "QUEUED"), ("QUEUED", "FAILED"), ("COMPLETED", "COMPLETED")):
        handler(stream_event(old_status=old, new_status=new), lambda_context)
    removal = stream_event()
    removal["Records"][0]["eventName"] = "REMOVE"
    handler(removal, lambda_context)
    assert _copy(s3) == {}


def test_the_copy_has_the_tables_columns() -> None:
    # The writer's fields are the table's data columns, plus the collection the path carries.
    partitions = {c.name for c in PARTITIONS} - {"collection"}
    assert set(ROW_FIELDS) == {c.name for c in ALL_COLUMNS} - partitions
    row = analytics_row(
        {
            "document_id": DOC,
            "status": "COMPLETED",
            "submitted_at": "2026-11-25T01:00:00.000Z",
            "completed_at": "2026-11-25T01:00:05.000Z",
        }
    )
    assert (row["published"], row["published_source"]) == ("2026-11-25 01:00:00.000", "submitted")
    assert sql_timestamp("2026-03-02T10:00:00+02:00") == "2026-03-02 08:00:00.000"


def test_a_stream_batch_through_moto_is_the_event_lambda_delivers(
    store, s3, dynamodb, lambda_context
) -> None:
    # Given a record that moves QUEUED → COMPLETED in the table (moto keeps its stream)
    assert store.put_queued(queued_record(DOC, collection="news"))
    assert store.complete(
        DOC,
        f"{DOC}-1",
        result=InferenceResult("S.", "m", "extractive", 10, 1, 1, 5, key_phrases=["tidal power"]),
        output_location="s3://o/async-output/x.out",
        completed_at="2026-11-25T01:00:05.000Z",
        latency_ms=5000,
        attempts=[],
    )
    streams = boto3.client("dynamodbstreams", region_name=dynamodb.meta.region_name)
    arn = dynamodb.describe_table(TableName=store.table_name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]

    # When the writer gets those records
    written = AnalyticsWriter(AnalyticsCopy(s3, OUTPUT_BUCKET, PREFIX)).write_batch(records)

    # Then only the completion is written, with what the record holds
    assert [w.rows for w in written] == [1]
    (rows,) = _copy(s3).values()
    assert rows[0]["key_phrases"] == ["tidal power"] and rows[0]["collection"] == "news"

"""The analytics copy: COMPLETED records, from the table's stream, as gzip JSON lines in S3.

AnalyticsFunction gets a batch of DynamoDB stream records (NEW_IMAGE, at most BatchSize of them or
what arrived within MaximumBatchingWindowInSeconds) and writes one object per collection and UTC day
of completion in the batch: `<prefix>collection=<c>/day=<YYYY-MM-DD>/<first sequence number>.json.gz`.
A retried batch starts at the same sequence number and so overwrites its own object.
The lines carry the columns of the `summaries` table (precis.analytics.schema, which a test keeps
equal to `ROW_FIELDS`); timestamps are UTC `YYYY-MM-DD HH:MM:SS.fff`, what Hive's JSON SerDe and
DuckDB both read as TIMESTAMP.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from precis_core.models import Status
from precis_core.store import from_item

ROW_FIELDS = (
    "document_id",
    "collection",
    "title",
    "published",
    "published_source",
    "submitted_at",
    "completed_at",
    "status",
    "words_in",
    "words_out",
    "summary",
    "key_phrases",
    "entities",
    "source_uri",
    "engine",
    "model",
    "latency_ms",
)
SUBMITTED = "submitted"  # published_source when the article carried no date of its own


@dataclass(frozen=True)
class WrittenObject:
    key: str
    rows: int


def completed_images(records: Iterable[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(sequence number, plain new image) of the stream records that made a record COMPLETED."""
    found = []
    for record in records:
        change = record.get("dynamodb") or {}
        image = change.get("NewImage")
        if record.get("eventName") == "REMOVE" or not image:
            continue
        old_status = ((change.get("OldImage") or {}).get("status") or {}).get("S")
        plain = from_item(image)
        if plain.get("status") == Status.COMPLETED.value and old_status != Status.COMPLETED.value:
            found.append((str(change.get("SequenceNumber", "0")), plain))
    return found


def analytics_row(item: dict[str, Any]) -> dict[str, Any]:
    """One line of the copy from a COMPLETED record's attributes."""
    submitted = sql_timestamp(item["submitted_at"])
    published = sql_timestamp(item["published"]) if item.get("published") else None
    return {
        "document_id": item["document_id"],
        "collection": item.get("collection", "default"),
        "title": item.get("title"),
        "published": published or submitted,
        "published_source": (item.get("published_source") or "metadata") if published else SUBMITTED,
        "submitted_at": submitted,
        "completed_at": sql_timestamp(item["completed_at"]),
        "status": item["status"],
        "words_in": _integer(item.get("words_in")),
        "words_out": _integer(item.get("words_out")),
        "summary": item.get("summary"),
        "key_phrases": [str(p) for p in item.get("key_phrases") or []],
        "entities": [
            {"text": str(e.get("text")), "type": str(e.get("type"))}
            for e in item.get("entities") or []
            if isinstance(e, dict)
        ],
        "source_uri": item.get("input_location"),
        "engine": item.get("engine"),
        "model": item.get("model"),
        "latency_ms": _integer(item.get("latency_ms")),
    }


def sql_timestamp(value: str) -> str:
    """An ISO-8601 date or time (a `Z` or offset is converted to UTC) as `YYYY-MM-DD HH:MM:SS.fff`."""
    moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ", timespec="milliseconds")


def object_key(prefix: str, collection: str, day: str, first_sequence: str) -> str:
    """Where one batch's rows of one collection and day go (the collection percent-encoded)."""
    return f"{prefix}collection={quote(collection, safe='')}/day={day}/{first_sequence}.json.gz"


def encode_rows(rows: Iterable[dict[str, Any]]) -> bytes:
    """Gzip JSON lines (deterministic: no timestamp in the gzip header)."""
    text = "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows)
    return gzip.compress(text.encode("utf-8"), mtime=0)


class AnalyticsWriter:
    """Writes a stream batch's COMPLETED records to the copy; give it a `boto3.client("s3")`."""

    def __init__(self, s3: Any, bucket: str, prefix: str) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.prefix = prefix

    def write_batch(self, records: Iterable[dict[str, Any]]) -> list[WrittenObject]:
        groups: dict[tuple[str, str], tuple[str, list[dict[str, Any]]]] = {}
        for sequence, item in completed_images(records):
            row = analytics_row(item)
            group = (row["collection"], row["completed_at"][:10])
            first, rows = groups.setdefault(group, (sequence, []))
            rows.append(row)
        written = []
        for (collection, day), (first, rows) in sorted(groups.items()):
            key = object_key(self.prefix, collection, day, first)
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=encode_rows(rows),
                ContentType="application/x-ndjson",
                ContentEncoding="gzip",
            )
            written.append(WrittenObject(key, len(rows)))
        return written


def _integer(value: Any) -> int | None:
    return None if value is None else int(value)

"""The rows of the analytics copy: what one COMPLETED record becomes, and how a batch of them is encoded.

The lines carry the columns of the `summaries` table (precis.analytics.schema, which a test keeps
equal to `ROW_FIELDS`); timestamps are UTC `YYYY-MM-DD HH:MM:SS.fff`, what Hive's JSON SerDe and
DuckDB both read as TIMESTAMP. A record whose article has no date of its own is `published` on the
day it was submitted, with `published_source` "submitted" (domain.metadata.SUBMITTED).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from precis_core.domain.metadata import SUBMITTED

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


def _integer(value: Any) -> int | None:
    return None if value is None else int(value)

"""`precis export`'s formats: JSON lines, CSV (optionally with a UTF-8 byte-order mark, which spreadsheet
programs need to read UTF-8) and Parquet (pyarrow, the `parquet` extra, loaded on first use)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from precis_core.domain.models import SummaryRecord

from precis.cli.console import terminal_safe, terminal_safe_json

EXPORT_COLUMNS = (
    "document_id",
    "status",
    "collection",
    "title",
    "published",
    "published_source",
    "authors",
    "source",
    "url",
    "article_id",
    "submitted_at",
    "completed_at",
    "latency_ms",
    "words_in",
    "words_out",
    "model",
    "engine",
    "attempt",
    "input_location",
    "output_location",
    "failure_reason",
    "summary",
    "summary_truncated",
)
_INTEGERS = frozenset({"latency_ms", "words_in", "words_out", "attempt"})


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


class ExportError(ValueError):
    """The format cannot be written as asked (Parquet to a terminal, pyarrow missing)."""


def write_text(records: Iterable[SummaryRecord], format: ExportFormat, stream: IO[str], *, bom: bool) -> int:
    """JSON lines or CSV to a text stream; the number of records written. On a terminal, user text cannot
    move the cursor, recolour, link or reorder the screen (as `list` and `get` print it), while a file or
    a pipe gets the data as stored."""
    terminal = stream.isatty()
    written = 0
    if format is ExportFormat.csv:
        if bom:
            stream.write("\ufeff")
        writer = csv.DictWriter(stream, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            row = record.to_dict()
            if row.get("authors"):
                row["authors"] = "; ".join(row["authors"])
            if terminal:
                row = {key: terminal_safe(v) if isinstance(v, str) else v for key, v in row.items()}
            writer.writerow(row)
            written += 1
        return written
    for record in records:
        line = json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True)
        stream.write((terminal_safe_json(line) if terminal else line) + "\n")
        written += 1
    return written


def write_parquet(records: Iterable[SummaryRecord], path: Path) -> int:
    """The records as one Parquet table of EXPORT_COLUMNS (authors a list of strings)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise ExportError("Parquet needs pyarrow: pip install 'precis[parquet]'") from error
    rows = [record.to_dict() for record in records]
    schema = pa.schema([(name, _arrow_type(pa, name)) for name in EXPORT_COLUMNS])
    columns = {name: [row.get(name) for row in rows] for name in EXPORT_COLUMNS}
    pq.write_table(pa.Table.from_pydict(columns, schema=schema), path)
    return len(rows)


def _arrow_type(pa: Any, name: str) -> Any:
    if name in _INTEGERS:
        return pa.int64()
    if name == "authors":
        return pa.list_(pa.string())
    if name == "summary_truncated":
        return pa.bool_()
    return pa.string()

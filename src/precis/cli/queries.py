"""`precis get`, `list`, `stats` and `export`: read summaries from the table, never with a scan."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from precis_core.domain.models import Status, SummaryRecord
from rich.table import Table
from rich.text import Text

from precis.cli.collections import by_collection, counts_table, newest_per_source
from precis.cli.console import (
    EXIT_USAGE,
    console,
    explained_errors,
    fail,
    print_json,
    shown,
    status_style,
)
from precis.cli.export_formats import EXPORT_COLUMNS, ExportError, ExportFormat, write_parquet, write_text
from precis.cli.option_groups import with_option_groups
from precis.cli.record_table import (
    DOCUMENT,
    LATENCY,
    STATUS,
    WORDS,
    RecordColumn,
    engine_label,
    record_table,
    seconds,
)
from precis.cli.selection import SelectionError, SinceOption, checked, find_record, first, parse_since, select
from precis.cli.stack_options import CollectionOption, JsonOption, Target, open_store

StatusOption = Annotated[
    Status | None, typer.Option("--status", case_sensitive=False, help="Only this status.")
]
LIST_FIELDS = tuple(
    c
    for c in EXPORT_COLUMNS
    if c not in {"model", "engine", "input_location", "output_location", "summary", "summary_truncated"}
)


@with_option_groups
def get(
    reference: Annotated[
        str,
        typer.Argument(metavar="ID|S3-URI", help="Document id, inference id, or the article's s3:// URI."),
    ],
    target: Target,
    as_json: JsonOption = False,
) -> None:
    """Show one document: status, summary, timings, failure reason and attempt history."""
    with explained_errors():
        resources = target.open()
        try:
            record = find_record(open_store(resources), reference, s3=resources.target.client("s3"))
        except SelectionError as error:
            raise fail(str(error)) from None
    if record is None:
        raise fail(f"no document {reference}")
    if as_json:
        print_json(record.to_dict())
        return
    console.print(_record_view(record))


@with_option_groups
def list_documents(
    target: Target,
    status: StatusOption = None,
    collection: CollectionOption = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many, newest first.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List documents, newest first, by status and/or collection (index queries, paginated)."""
    since_at = checked(parse_since, since)
    with explained_errors():
        store = open_store(target.open())
        records = first(select(store, status=status, collection=collection, since=since_at), limit)
    if as_json:
        print_json([_listed(record) for record in records])
        return
    if not records:
        console.print("no documents match")
        return
    if status is Status.FAILED:
        # Each reason in full, folded under its title: what a user needs to act on the failures.
        last = ("collection / title: reason", _title_and_reason)
        table = record_table(records, _LIST_COLUMNS, last, width=console.width, overflow="fold")
    else:
        last = ("collection / title", lambda record: f"{record.collection} / {record.title or ''}")
        table = record_table(records, _LIST_COLUMNS, last, width=console.width)
    console.print(table)


def _title_and_reason(record: SummaryRecord) -> str:
    return f"{record.collection} / {record.title or ''}: {record.failure_reason or 'no reason recorded'}"


_LIST_COLUMNS = (
    DOCUMENT,
    STATUS,
    # Optional like latency and words: on an 80-column terminal the title keeps its room.
    RecordColumn(
        "submitted (UTC)",
        19,
        lambda record: shown(record.submitted_at[:19].replace("T", " ")),
        optional=True,
    ),
    LATENCY,
    WORDS,
)


@dataclass(frozen=True)
class Stats:
    counts: dict[str, int]
    latency_ms: dict[str, int | None]
    words_in: int
    words_out: int
    dismissed: int = 0  # FAILED documents their users dismissed
    superseded: int = 0  # older attempts of a file re-uploaded since (not counted)

    def to_dict(self) -> dict:
        return {
            "counts": self.counts,
            "latency_ms": self.latency_ms,
            "words_in": self.words_in,
            "words_out": self.words_out,
            "dismissed": self.dismissed,
            "superseded": self.superseded,
        }


def summarize(records: Iterable[SummaryRecord]) -> Stats:
    """Counts by status of the newest attempt of each source (a failure fixed by a re-upload is not a
    failure; one dismissed is counted apart); latency p50/p95/max and words in/out over the completed."""
    counts = {status.value: 0 for status in Status}
    latencies: list[int] = []
    words_in = words_out = dismissed = 0
    current, superseded = newest_per_source(records)
    for record in current:
        if record.status is Status.FAILED and record.dismissed_at:
            dismissed += 1
            continue
        counts[record.status.value] += 1
        if record.status is Status.COMPLETED:
            if record.latency_ms is not None:
                latencies.append(record.latency_ms)
            words_in += record.words_in or 0
            words_out += record.words_out or 0
    latencies.sort()
    latency = {
        "p50": _percentile(latencies, 50),
        "p95": _percentile(latencies, 95),
        "max": latencies[-1] if latencies else None,
    }
    return Stats(
        counts=counts,
        latency_ms=latency,
        words_in=words_in,
        words_out=words_out,
        dismissed=dismissed,
        superseded=superseded,
    )


def _percentile(ordered: list[int], percent: int) -> int | None:
    """Nearest-rank percentile: an observed value, never an interpolation."""
    if not ordered:
        return None
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]


@with_option_groups
def stats(
    target: Target,
    collection: CollectionOption = None,
    since: SinceOption = None,
    per_collection: Annotated[
        bool, typer.Option("--by-collection", help="Counts for each collection (see `precis collections`).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Counts by status, latency p50/p95/max and words in/out of completed summaries."""
    since_at = checked(parse_since, since)
    with explained_errors():
        store = open_store(target.open())
        records = list(select(store, collection=collection, since=since_at))
        result = summarize(records)
    if as_json:
        extra = {"by_collection": {n: c.to_dict() for n, c in by_collection(records).items()}}
        print_json({**result.to_dict(), **(extra if per_collection else {})})
        return
    table = Table(box=None, show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name, count in result.counts.items():
        table.add_row(Text(name, style=status_style(name)), str(count))
    table.add_row("total", str(sum(result.counts.values())))
    if result.dismissed:
        table.add_row("dismissed", str(result.dismissed))
    if result.superseded:
        table.add_row("re-uploaded", f"{result.superseded} older")
    table.add_row("", "")
    for name, value in result.latency_ms.items():
        table.add_row(f"latency {name}", seconds(value) or "-")
    table.add_row("words in", f"{result.words_in:,}")
    table.add_row("words out", f"{result.words_out:,}")
    if result.words_out:
        table.add_row("compression", f"{result.words_in / result.words_out:.1f}×")
    console.print(table)
    if per_collection and records:
        console.print()
        console.print(counts_table(by_collection(records)))


@with_option_groups
def export(
    target: Target,
    format: Annotated[
        ExportFormat,
        typer.Option("--format", help="jsonl (one record a line), csv or parquet (needs --output)."),
    ] = ExportFormat.jsonl,
    since: SinceOption = None,
    status: StatusOption = None,
    collection: CollectionOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    bom: Annotated[
        bool, typer.Option("--bom", help="CSV: start with a UTF-8 byte-order mark, for spreadsheet programs.")
    ] = False,
) -> None:
    """Export records with their summaries for downstream analysis, newest first."""
    since_at = checked(parse_since, since)
    if format is ExportFormat.parquet and output is None:
        raise fail("--format parquet writes a file: add --output FILE.parquet", EXIT_USAGE)
    with explained_errors():
        store = open_store(target.open())
        records = select(store, status=status, collection=collection, since=since_at)
        if format is ExportFormat.parquet:
            assert output is not None  # refused above without one
            try:
                written = write_parquet(records, output)
            except ExportError as error:
                raise fail(str(error), EXIT_USAGE) from None
        else:
            stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
            try:
                written = write_text(records, format, stream, bom=bom)
            finally:
                if output:
                    stream.close()
    if output:
        console.print(f"wrote {written} records to {output}", highlight=False)


def _listed(record: SummaryRecord) -> dict:
    data = record.to_dict()
    return {name: data[name] for name in LIST_FIELDS if name in data}


def _chunks(count: int | None) -> str:
    return "1 chunk" if count == 1 else f"{count} chunks"


def _record_view(record: SummaryRecord) -> Table:
    table = Table(
        box=None,
        show_header=False,
        title=shown(record.title or record.document_id),
        title_justify="left",
        title_style="bold",
    )
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    rows = [
        ("document", record.document_id),
        ("status", Text(record.status.value, style=status_style(record.status.value))),
        ("collection", record.collection),
        ("published", f"{record.published} ({record.published_source})" if record.published else None),
        ("authors", ", ".join(record.authors or [])),
        ("source", record.source),
        ("url", record.url),
        ("article id", record.article_id),
        ("note", record.published_note),
        (
            "settings",
            ", ".join(f"{name} {value}" for name, value in sorted((record.parameters or {}).items())),
        ),
        ("input", record.input_location),
        ("inference", f"{record.inference_id} (attempt {record.attempt})"),
        ("submitted", record.submitted_at),
        ("completed", record.completed_at),
        ("latency", seconds(record.latency_ms)),
        ("words", f"{record.words_in} → {record.words_out}" if record.words_out is not None else None),
        (
            "model",
            f"{record.model} ({engine_label(record.engine)}, {_chunks(record.chunks)})"
            if record.model
            else None,
        ),
        ("output", record.output_location if record.status is Status.COMPLETED else None),
        ("key phrases", "; ".join(record.key_phrases or [])),
        ("names", "; ".join(f"{e['text']} ({e['type'].lower()})" for e in record.entities or [])),
        ("failure", record.failure_reason),
        ("dismissed", record.dismissed_at),
        (
            "reconcile",
            f"{record.reconcile_error} ({record.reconcile_error_at})" if record.reconcile_error else None,
        ),
    ]
    for name, value in rows:
        if value:
            table.add_row(name, value if isinstance(value, Text) else shown(value))
    for previous in record.attempts:
        if previous.get("inference_id") != record.inference_id:
            outcome = (previous.get("inference_id"), previous.get("status"), previous.get("failure_reason"))
            table.add_row("earlier attempt", shown(" ".join(str(part) for part in outcome if part)))
    if record.summary:
        table.add_row("", "")
        table.add_row("summary", shown(record.summary))
    if record.summary_truncated:
        table.add_row("", shown(f"(cut to fit the record: the whole summary is in {record.output_location})"))
    return table

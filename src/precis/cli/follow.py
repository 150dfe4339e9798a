"""Following documents until every one is COMPLETED or FAILED (`submit --wait`, `retry --wait`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Annotated

import typer
from precis_core.models import Status, SummaryRecord
from precis_core.store import SummaryStore
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from precis.console import console, errors, print_json, status_style

WaitOption = Annotated[
    bool, typer.Option("--wait", help="Follow the documents until each is COMPLETED or FAILED.")
]
POLL_SECONDS = 1.0
DEFAULT_TIMEOUT_SECONDS = 3600


def follow(
    store: SummaryStore,
    documents: Sequence[str],
    *,
    as_json: bool = False,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Polls the records until all are settled or `timeout` passes; True when every one COMPLETED."""
    pending = list(dict.fromkeys(documents))
    settled: dict[str, SummaryRecord] = {}
    deadline = clock() + timeout
    progress = Progress(
        TextColumn("summarizing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[note]}"),
        console=errors,
        transient=True,
        disable=as_json,
    )
    with progress:
        task = progress.add_task("follow", total=len(pending), note="")
        while pending and clock() < deadline:
            for document in list(pending):
                record = store.get(document)
                if record is not None and record.status is not Status.QUEUED:
                    settled[document] = record
                    pending.remove(document)
                    progress.update(task, completed=len(settled), note=_note(settled))
            if pending:
                sleep(POLL_SECONDS)
    records = [settled[d] for d in documents if d in settled]
    if as_json:
        print_json({"settled": [r.to_dict() for r in records], "still_queued": pending})
    else:
        _show(records, pending)
    return not pending and all(r.status is Status.COMPLETED for r in records)


def _note(settled: dict[str, SummaryRecord]) -> str:
    failed = sum(1 for r in settled.values() if r.status is Status.FAILED)
    return f"{failed} failed" if failed else ""


def _show(records: list[SummaryRecord], pending: list[str]) -> None:
    table = Table(box=None, header_style="bold")
    for column in ("document", "status", "title", "latency", "summary or reason"):
        table.add_column(column, overflow="fold", max_width=60 if column.startswith("summary") else None)
    for record in records:
        detail = record.summary if record.status is Status.COMPLETED else record.failure_reason
        table.add_row(
            record.document_id,
            Text(record.status.value, style=status_style(record.status.value)),
            record.title or "",
            f"{record.latency_ms / 1000:.1f}s" if record.latency_ms is not None else "",
            _shorten(detail or ""),
        )
    if records:
        console.print(table)
    if pending:
        console.print(f"[yellow]{len(pending)} still QUEUED when the wait ended:[/] {' '.join(pending)}")


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

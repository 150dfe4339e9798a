"""Following documents until every one is COMPLETED or FAILED (`submit --wait`, `retry --wait`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Annotated

import typer
from precis_core.adapters.summary_store import SummaryStore
from precis_core.domain.models import Status, SummaryRecord
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from precis.cli.console import console, errors, print_json, shown
from precis.cli.record_table import DOCUMENT, LATENCY, STATUS, WORDS, record_table
from precis.cli.selection import first_record

WaitOption = Annotated[
    bool, typer.Option("--wait", help="Follow the documents until each is COMPLETED or FAILED.")
]
POLL_SECONDS = 1.0
DEFAULT_TIMEOUT_SECONDS = 3600


def follow(
    store: SummaryStore,
    documents: Sequence[str | tuple[str, ...]],
    *,
    as_json: bool = False,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Polls the records until all are settled or `timeout` passes; True when every one COMPLETED.

    Each document is an id, or the ids it may have (a fresh upload's, by version and by ETag)."""
    wanted = list(dict.fromkeys((d,) if isinstance(d, str) else tuple(d) for d in documents))
    pending = list(wanted)
    seen: dict[tuple[str, ...], str] = {}
    settled: dict[tuple[str, ...], SummaryRecord] = {}
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
            for ids in list(pending):
                record = first_record(store, ids)
                if record is None:
                    continue
                seen[ids] = record.document_id
                if record.status is not Status.QUEUED:
                    settled[ids] = record
                    pending.remove(ids)
                    progress.update(task, completed=len(settled), note=_note(settled))
            if pending:
                sleep(POLL_SECONDS)
    records = [settled[ids] for ids in wanted if ids in settled]
    waiting = [seen.get(ids, ids[0]) for ids in pending]
    if as_json:
        print_json({"settled": [r.to_dict() for r in records], "still_queued": waiting})
    else:
        _show(records, waiting)
    return not pending and all(r.status is Status.COMPLETED for r in records)


def _note(settled: dict[tuple[str, ...], SummaryRecord]) -> str:
    failed = sum(1 for r in settled.values() if r.status is Status.FAILED)
    return f"{failed} failed" if failed else ""


def _show(records: list[SummaryRecord], pending: list[str]) -> None:
    table = record_table(
        records,
        (DOCUMENT, STATUS, LATENCY, WORDS),
        ("article", lambda record: record.input_location.rsplit("/", 1)[-1]),
        width=console.width,
        overflow="fold",
    )
    if records:
        console.print(table)
    for record in records:
        if record.status is Status.FAILED:
            console.print(
                f"[red]{shown(record.document_id)} failed:[/] {shown(record.failure_reason)}", highlight=False
            )
    if pending:
        console.print(
            f"[yellow]{len(pending)} still QUEUED when the wait ended:[/] {shown(' '.join(pending))}"
        )

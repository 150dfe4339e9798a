"""`precis collections` and `precis stats --by-collection`: each collection's documents by status and
its newest submission, counted as `stats` counts (the newest attempt of each file; dismissed apart).

Collections are the hash key of the `by-collection` index, which DynamoDB cannot list without a scan, so
the records are read through the `by-status` index, as `stats` reads them all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from precis_core.domain.models import Status, SummaryRecord
from rich.table import Table
from rich.text import Text

from precis.cli.console import console, explained_errors, print_json, shown, status_style
from precis.cli.option_groups import with_option_groups
from precis.cli.selection import SinceOption, checked, parse_since, select
from precis.cli.stack_options import JsonOption, Target, open_store


@dataclass
class CollectionCounts:
    counts: dict[str, int] = field(default_factory=lambda: {status.value: 0 for status in Status})
    dismissed: int = 0
    newest: str = ""  # the latest submitted_at

    def to_dict(self) -> dict:
        return {"counts": self.counts, "dismissed": self.dismissed, "newest": self.newest}


def newest_per_source(records: Iterable[SummaryRecord]) -> tuple[list[SummaryRecord], int]:
    """The newest record of each uploaded file (its s3:// location: a re-upload is a new version and a
    new document), and how many older ones it replaced."""
    newest: dict[str, SummaryRecord] = {}
    seen = 0
    for record in records:
        seen += 1
        kept = newest.get(record.input_location)
        if kept is None or record.submitted_at > kept.submitted_at:
            newest[record.input_location] = record
    return list(newest.values()), seen - len(newest)


def by_collection(records: Iterable[SummaryRecord]) -> dict[str, CollectionCounts]:
    """Counts per collection, by name."""
    found: dict[str, CollectionCounts] = {}
    current, _ = newest_per_source(records)
    for record in current:
        entry = found.setdefault(record.collection, CollectionCounts())
        entry.newest = max(entry.newest, record.submitted_at)
        if record.status is Status.FAILED and record.dismissed_at:
            entry.dismissed += 1
        else:
            entry.counts[record.status.value] += 1
    return dict(sorted(found.items()))


@with_option_groups
def collections(
    target: Target,
    since: SinceOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the collections: documents by status and the newest submission of each."""
    since_at = checked(parse_since, since)
    with explained_errors():
        store = open_store(target.open())
        found = by_collection(select(store, since=since_at))
    if as_json:
        print_json({name: entry.to_dict() for name, entry in found.items()})
        return
    if not found:
        console.print("no collections yet")
        return
    console.print(counts_table(found))


def counts_table(found: dict[str, CollectionCounts]) -> Table:
    table = Table(box=None, header_style="bold")
    table.add_column("collection", overflow="fold")
    for status in Status:
        table.add_column(Text(status.value, style=status_style(status.value)), justify="right")
    table.add_column("dismissed", justify="right")
    table.add_column("newest (UTC)", no_wrap=True)
    for name, entry in found.items():
        table.add_row(
            shown(name),
            *(str(entry.counts[status.value]) for status in Status),
            str(entry.dismissed),
            entry.newest[:19].replace("T", " "),
        )
    return table

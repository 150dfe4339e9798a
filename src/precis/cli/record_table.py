"""A table of records that fits the terminal: `precis list` and the table `--wait` ends with.

Every column but the last has a fixed width; the last (the title or the article's name) takes what is
left. On a narrow terminal the optional columns go first, so the document id and its status are never
squeezed out (rich shrinks every column alike when a table is too wide, down to nothing)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from precis_core.domain.models import SummaryRecord
from rich.table import Table
from rich.text import Text

from precis.cli.console import shown, status_style


@dataclass(frozen=True)
class RecordColumn:
    name: str
    width: int
    cell: Callable[[SummaryRecord], Text | str]
    right: bool = False
    optional: bool = False


ENGINES = {"extractive": "offline extractive engine", "transformers": "transformers model"}


def engine_label(engine: str | None) -> str:
    """Which kind of engine wrote a summary, in words no one mistakes: the offline extractive engine
    picks sentences from the article; a transformers model writes new ones."""
    return ENGINES.get(engine or "", engine or "unknown engine")


def seconds(ms: int | None) -> str:
    return "" if ms is None else f"{ms / 1000:.1f}s"


DOCUMENT = RecordColumn("document", 32, lambda record: shown(record.document_id))
STATUS = RecordColumn(
    "status", 9, lambda record: Text(record.status.value, style=status_style(record.status.value))
)
LATENCY = RecordColumn("latency", 7, lambda record: seconds(record.latency_ms), right=True, optional=True)
WORDS = RecordColumn(
    "words in → out",
    14,
    lambda record: f"{record.words_in} → {record.words_out}" if record.words_out is not None else "",
    right=True,
    optional=True,
)
LAST_COLUMN_WIDTH = 16
"""The least room the last column keeps before the optional columns give theirs up."""
_PADDING = 2
"""rich's padding around each column of a box-less table."""


def fitted(columns: Sequence[RecordColumn], width: int) -> tuple[tuple[RecordColumn, ...], int]:
    """The columns that fit `width` and the room left for the last one: all of them when there is
    room; on a narrower terminal the optional ones go, the rightmost first."""
    chosen = tuple(columns)
    while True:
        left = width - sum(column.width + _PADDING for column in chosen) - _PADDING
        optional = [n for n, column in enumerate(chosen) if column.optional]
        if left >= LAST_COLUMN_WIDTH or not optional:
            return chosen, max(left, 1)
        chosen = chosen[: optional[-1]] + chosen[optional[-1] + 1 :]


def record_table(
    records: Sequence[SummaryRecord],
    columns: Sequence[RecordColumn],
    last: tuple[str, Callable[[SummaryRecord], str]],
    *,
    width: int,
    overflow: Literal["ellipsis", "fold"] = "ellipsis",
) -> Table:
    """`records` as rows of `columns` that fit, then the `last` column (its name and cell) in the rest:
    cut with an ellipsis, or folded onto more lines."""
    chosen, left = fitted(columns, width)
    table = Table(box=None, header_style="bold")
    for column in chosen:
        table.add_column(
            column.name, no_wrap=True, min_width=column.width, justify="right" if column.right else "left"
        )
    name, cell = last
    table.add_column(name, overflow=overflow, no_wrap=overflow == "ellipsis", max_width=left)
    for record in records:
        table.add_row(*(column.cell(record) for column in chosen), shown(cell(record)))
    return table

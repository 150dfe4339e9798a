"""The record tables of `precis list` and `--wait` fit the terminal by dropping optional columns first."""

from __future__ import annotations

import pytest

from precis.cli.record_table import DOCUMENT, LAST_COLUMN_WIDTH, LATENCY, STATUS, WORDS, fitted

COLUMNS = (DOCUMENT, STATUS, LATENCY, WORDS)


@pytest.mark.parametrize(
    ("width", "kept"),
    [
        (200, ["document", "status", "latency", "words in → out"]),
        (100, ["document", "status", "latency", "words in → out"]),
        (80, ["document", "status", "latency"]),
        (70, ["document", "status"]),
        (40, ["document", "status"]),
    ],
)
def test_optional_columns_go_rightmost_first_and_the_required_ones_stay(width, kept) -> None:
    chosen, left = fitted(COLUMNS, width)

    assert [column.name for column in chosen] == kept
    # The last column gets what is left, never less than its least width while a column can still go
    assert left == max(width - sum(column.width + 2 for column in chosen) - 2, 1)
    if len(chosen) > 2:
        assert left >= LAST_COLUMN_WIDTH

"""What `precis trends`, `digest` and `search` read: the `summaries` table, from a stack's analytics copy
or from a DuckDB file given with --duckdb; and where the search index is kept."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from precis import paths
from precis.analytics.periods import WhenError, parse_when
from precis.cli.console import EXIT_USAGE, fail

DuckDbOption = Annotated[
    Path | None,
    typer.Option(
        "--duckdb",
        help="Read the summaries table (or view) of this DuckDB file instead of the stack's analytics copy.",
        rich_help_panel="Target",
    ),
]


def when(text: str | None, now, option: str):
    """A --since/--until as naive UTC, or a usage error that says what is accepted."""
    if text is None:
        return None
    try:
        return parse_when(text, now)
    except WhenError as error:
        raise fail(f"{option} {error}", EXIT_USAGE) from None


@dataclass(frozen=True)
class Source:
    """Where the summaries are read from: a DuckDB file, or a stack (AWS or local)."""

    database: Path | None = None
    stack: str | None = None
    endpoint_url: str | None = None
    region: str | None = None

    @property
    def key(self) -> str:
        """Names the source for its search index directory."""
        if self.database is not None:
            return f"file:{self.database.resolve()}"
        return f"stack:{self.stack or ''}:{self.endpoint_url or ''}:{self.region or ''}"


def open_summaries(source: Source) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a `summaries` view: over --duckdb's file (attached
    read-only), else over the stack's analytics copy as `precis sql` reads it."""
    database = source.database
    if database is None:
        raise fail(
            "reading a stack's analytics copy comes with `precis sql` (its reader is wired in here when "
            "both are merged); pass --duckdb FILE with a summaries table",
            EXIT_USAGE,
        )
    if not database.is_file():
        raise fail(f"--duckdb {database}: no such file", EXIT_USAGE)
    # DuckDB draws a progress bar on stdout for long queries; it would corrupt --json.
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    quoted = str(database).replace("'", "''")
    connection.execute(f"ATTACH '{quoted}' AS source (READ_ONLY)")
    connection.execute("CREATE TEMP VIEW summaries AS SELECT * FROM source.summaries")
    return connection


def index_directory(source: Source, chosen: Path | None) -> Path:
    """--index if given, else one directory per source (a file, a stack) in the project's .precis/search."""
    if chosen is not None:
        return chosen
    key = hashlib.sha256(source.key.encode()).hexdigest()[:16]
    return paths.project_root() / ".precis" / "search" / key

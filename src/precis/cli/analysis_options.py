"""What `precis trends`, `digest` and `search` read: the `summaries` table, from a stack's analytics copy
or from a DuckDB file given with --duckdb; and where the search index is kept."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from precis import paths
from precis.analytics.duck import AnalyticsError
from precis.analytics.periods import WhenError, parse_when
from precis.cli import sql
from precis.cli.console import EXIT_USAGE, explained_errors, fail
from precis.cli.stack_options import Target

DuckDbOption = Annotated[
    Path | None,
    typer.Option(
        "--duckdb",
        help="Read the summaries table (or view) of this DuckDB file instead of the stack's analytics copy.",
        rich_help_panel="Target",
    ),
]


def when(text: str | None, now: datetime, option: str) -> datetime | None:
    """A --since/--until as naive UTC, or a usage error that says what is accepted."""
    if text is None:
        return None
    try:
        return parse_when(text, now)
    except WhenError as error:
        raise fail(f"{option} {error}", EXIT_USAGE) from None


@dataclass(frozen=True)
class Source:
    """Where the summaries are read from: a DuckDB file (--duckdb), else the chosen stack's analytics copy."""

    database: Path | None
    target: Target

    @property
    def key(self) -> str:
        """Names the source for its search index directory."""
        if self.database is not None:
            return f"file:{self.database.resolve()}"
        target = self.target
        return f"stack:{target.stack or ''}:{target.endpoint_url or ''}:{target.region or ''}"


def open_summaries(source: Source) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a `summaries` view: over --duckdb's file (attached
    read-only), else over the stack's analytics copy as `precis sql` reads it (brought up to date)."""
    database = source.database
    if database is None:
        with explained_errors():
            try:
                connection = sql.open_summaries(source.target.open())
            except AnalyticsError as error:
                raise fail(str(error)) from None
    else:
        if not database.is_file():
            raise fail(f"--duckdb {database}: no such file", EXIT_USAGE)
        connection = duckdb.connect()
        quoted = str(database).replace("'", "''")
        connection.execute(f"ATTACH '{quoted}' AS source (READ_ONLY)")
        connection.execute("CREATE TEMP VIEW summaries AS SELECT * FROM source.summaries")
    # DuckDB draws a progress bar on stdout for long queries; it would corrupt --json.
    connection.execute("SET enable_progress_bar = false")
    return connection


def index_directory(source: Source, chosen: Path | None) -> Path:
    """--index if given, else one directory per source (a file, a stack) in the project's .precis/search."""
    if chosen is not None:
        return chosen
    key = hashlib.sha256(source.key.encode()).hexdigest()[:16]
    return paths.project_root() / ".precis" / "search" / key

"""`precis sql "SELECT …"`: the same SQL as Athena, run with DuckDB over the stack's analytics copy.

The copy (gzip JSON lines under the stack's AnalyticsLocation) is read through the S3 API, in AWS or
in the local stack, and cached as Parquet under `.precis/analytics/` (only new or changed objects
are fetched). The one table is `summaries` (precis.analytics.schema; docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.table import Table

from precis import paths
from precis.analytics.duck import AnalyticsError, open_copy
from precis.cli.console import console, explained_errors, fail, shown
from precis.cli.option_groups import with_option_groups
from precis.cli.resources import StackResources
from precis.cli.stack_options import Target

ANALYTICS_OUTPUT = "AnalyticsLocation"


def cache_root() -> Path:
    return paths.project_root() / ".precis" / "analytics"


def open_summaries(resources: StackResources) -> duckdb.DuckDBPyConnection:
    """DuckDB with the `summaries` view over the stack's analytics copy, brought up to date first."""
    connection, _ = open_copy(resources.target.client("s3"), resources.output(ANALYTICS_OUTPUT), cache_root())
    return connection


@with_option_groups
def sql(
    query: Annotated[
        str, typer.Argument(metavar="SQL", help='A query over the summaries table, e.g. "SELECT …".')
    ],
    target: Target,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the rows as a JSON list of objects.")
    ] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the rows as CSV with a header.")] = False,
) -> None:
    """Run SQL over every completed summary (table `summaries`), as Athena would, with DuckDB."""
    if as_json and as_csv:
        raise fail("pass --json or --csv, not both", 2)
    with explained_errors():
        try:
            connection = open_summaries(target.open())
        except AnalyticsError as error:
            raise fail(str(error)) from None
    try:
        cursor = connection.execute(query)
        names = [column[0] for column in cursor.description or []]
        rows = cursor.fetchall()
    except (duckdb.Error, AnalyticsError) as error:
        raise fail(f"query failed: {error}") from None
    if as_json:
        typer.echo(json.dumps([dict(zip(names, row, strict=True)) for row in rows], default=_text, indent=2))
    elif as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows([[_cell(value) for value in row] for row in rows])
    else:
        table = Table(*names, show_lines=False)
        for row in rows:
            table.add_row(*(shown(_cell(value)) for value in row))
        console.print(table)
        console.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}", style="dim", highlight=False)


def _text(value: Any) -> str:
    """JSON for what json cannot write itself: timestamps and dates as ISO text."""
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=_text, ensure_ascii=False)
    return _text(value) if isinstance(value, (datetime, date)) else str(value)

"""`precis digest`: a collection's period as a report for a person, in Markdown or HTML."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from precis_core.domain.models import Status

from precis.analytics.digest import Failure, build_digest, html_page, markdown
from precis.analytics.periods import WhenError, utc_naive
from precis.cli.analysis_options import DuckDbOption, Source, open_summaries
from precis.cli.console import EXIT_USAGE, explained_errors, fail
from precis.cli.option_groups import with_option_groups
from precis.cli.selection import checked, parse_duration, parse_since, select
from precis.cli.stack_options import Target, open_store

if TYPE_CHECKING:  # its module imports boto3, which `precis trends` and `search` (same group) never need
    from precis_core.adapters.summary_store import SummaryStore


class DigestFormat(StrEnum):
    md = "md"
    html = "html"


@with_option_groups
def digest_command(
    collection: Annotated[str, typer.Option("--collection", help="The collection to report on.")],
    since: Annotated[
        str, typer.Option("--since", help="The period: this long before now (7d, 24h, 2w).")
    ] = "7d",
    output_format: Annotated[
        DigestFormat, typer.Option("--format", help="Markdown or HTML.")
    ] = DigestFormat.md,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")
    ] = None,
    no_failures: Annotated[
        bool, typer.Option("--no-failures", help="Do not ask the stack for failed records (no stack needed).")
    ] = False,
    database: DuckDbOption = None,
    *,
    target: Target,
) -> None:
    """Counts, rising phrases with example titles, storylines, new names and failures of one period."""
    length = checked(parse_duration, since)
    now = datetime.now(UTC)
    failures = [] if no_failures else _failures(collection, since, target)
    try:
        connection = open_summaries(Source(database, target))
        digest = build_digest(connection, collection, length, utc_naive(now), failures)
    except WhenError as error:
        raise fail(str(error), EXIT_USAGE) from None
    text = html_page(digest) if output_format is DigestFormat.html else markdown(digest)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _failures(collection: str, since: str, target: Target) -> list[Failure]:
    """The collection's FAILED records of the period, from the table (a query on its collection index)."""
    with explained_errors():
        return failed_records(open_store(target.open()), collection, checked(parse_since, since))


def failed_records(store: SummaryStore, collection: str, since: str | None) -> list[Failure]:
    """The collection's FAILED records submitted since `since` (the table's timestamp format), as the
    digest lists them."""
    records = select(store, status=Status.FAILED, collection=collection, since=since)
    return [
        Failure(
            document_id=record.document_id,
            title=record.title or "",
            reason=record.failure_reason or "",
            submitted_at=record.submitted_at,
        )
        for record in records
    ]

"""`precis search`: summaries ranked by meaning and words together."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from precis_summarizer.encoder import SentenceEncoder
from rich.table import Table

from precis.analytics.search import DEFAULT_LIMIT, search
from precis.analytics.search_index import SearchIndex
from precis.cli.analysis_options import DuckDbOption, Source, index_directory, open_summaries, when
from precis.cli.console import console, print_json, shown
from precis.cli.option_groups import with_option_groups
from precis.cli.stack_options import CollectionOption, JsonOption, Target

IndexOption = Annotated[
    Path | None,
    typer.Option(
        "--index", help="Keep the search index here (default: .precis/search/<source> in the project)."
    ),
]


@with_option_groups
def search_command(
    query: Annotated[str, typer.Argument(help="What to look for, in any words.")],
    collection: CollectionOption = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Published at or after: a duration ago (30d), a date or a time."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many results.")] = DEFAULT_LIMIT,
    database: DuckDbOption = None,
    index_path: IndexOption = None,
    as_json: JsonOption = False,
    *,
    target: Target,
) -> None:
    """Summaries ranked by meaning and words together (the index is brought up to date first)."""
    source = Source(database, target)
    encoder = SentenceEncoder.load(lazy=True)  # one query: only its words' vectors are converted
    index = SearchIndex(open_summaries(source), index_directory(source, index_path), encoder)
    index.update()
    hits = search(index, query, collection, when(since, datetime.now(UTC), "--since"), limit)
    if as_json:
        print_json(
            [
                {
                    "document_id": hit.document_id,
                    "title": hit.title,
                    "score": hit.score,
                    "snippet": hit.snippet,
                    "published": hit.published.isoformat() if hit.published else None,
                    "collection": hit.collection,
                }
                for hit in hits
            ]
        )
        return
    if not hits:
        console.print("no summaries match", highlight=False)
        return
    table = Table(box=None, pad_edge=False, show_lines=False)
    table.add_column("score", justify="right", width=5)
    table.add_column("date", width=10, no_wrap=True)
    table.add_column("title and snippet", ratio=1, overflow="fold")
    for hit in hits:
        date = f"{hit.published:%Y-%m-%d}" if hit.published else ""
        title = shown(hit.title) or shown(hit.document_id)
        body = f"[bold]{title}[/]\n{shown(hit.snippet)}\n[dim]{shown(hit.document_id)}[/]"
        table.add_row(f"{hit.score:.2f}", date, body)
    console.print(table, highlight=False)

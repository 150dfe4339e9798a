"""The analyst's commands: `precis trends`, `digest` and `search` over the summaries table."""

from __future__ import annotations

import typer

from precis.cli import digest, search, trends


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    app.command("trends")(trends.trends_command)
    app.command("digest")(digest.digest_command)
    app.command("search")(search.search_command)

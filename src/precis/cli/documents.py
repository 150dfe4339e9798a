"""The document commands: submit and follow articles, query summaries, re-drive failures, tear down.

Each command lives in a module named for what it does; this one only adds them to the app.
"""

from __future__ import annotations

import typer

from precis.cli import queries, recovery, submit, teardown, watch


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    app.command("submit")(submit.submit)
    app.command("get")(queries.get)
    app.command("list")(queries.list_documents)
    app.command("stats")(queries.stats)
    app.command("watch")(watch.watch)
    app.command("export")(queries.export)
    app.command("retry")(recovery.retry)
    app.command("reconcile")(recovery.reconcile)
    app.command("delete")(teardown.delete)

"""The document commands: submit and follow articles, query summaries, re-drive failures, tear down.

Each command lives in a module named for what it does; this one only adds them to the app.
"""

from __future__ import annotations

import typer

from precis.cli import collections, dismiss, queries, recovery, redrive, sql, submit, teardown, watch
from precis.cli.stack_options import TARGET_HELP


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    for name, command in (
        ("submit", submit.submit),
        ("get", queries.get),
        ("list", queries.list_documents),
        ("stats", queries.stats),
        ("collections", collections.collections),
        ("watch", watch.watch),
        ("export", queries.export),
        ("retry", recovery.retry),
        ("reconcile", recovery.reconcile),
        ("redrive", redrive.redrive),
        ("dismiss", dismiss.dismiss),
        ("sql", sql.sql),
    ):
        app.command(name, epilog=TARGET_HELP)(command)
    app.command("delete")(teardown.delete)

"""The `precis` command: each command group lives in its own module and registers itself here."""

from __future__ import annotations

import typer

from precis.cli import analysis, concurrency, documents, local, model, quota, simulate, ui

app = typer.Typer(
    name="precis",
    help="Summarize long articles on SageMaker asynchronous inference, in AWS or fully offline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

for group in (documents, local, model, simulate, concurrency, quota, analysis, ui):
    group.register(app)

"""The `precis` command: each command group lives in its own module and registers itself here.

Run as the `precis` program with a command that `LAZY` knows (`precis search ...`), only that
command's group is imported and registered: `precis search` or `precis trends` then does not import
the local stack (moto), the simulator or the web pages, which took most of a second of CPU before
the command did anything. Anything else (no command, `--help`, an unknown name, shell completion,
an import from Python or a test) registers every group, so help and errors list all commands.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import PurePath

import typer

GROUPS = ("documents", "local", "model", "simulate", "concurrency", "quota", "analysis", "ui")
# Command → the group (module of precis.cli) that registers it. Only groups with several commands:
# typer runs an app holding a single command as that command, without its name.
LAZY = {
    **dict.fromkeys(("trends", "digest", "search"), "analysis"),
    **dict.fromkeys(
        (
            "submit", "get", "list", "stats", "collections", "watch", "export", "retry", "reconcile",
            "redrive", "dismiss", "sql", "delete",
        ),
        "documents",
    ),
}  # fmt: skip
PROGRAM = "precis"


def groups_for(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """The groups to register for this process's command line: one if it is `precis <command> ...`
    with a command in LAZY, else all."""
    completing = "_PRECIS_COMPLETE" in environ  # shell completion lists every command
    if len(argv) > 1 and PurePath(argv[0]).stem == PROGRAM and argv[1] in LAZY and not completing:
        return (LAZY[argv[1]],)
    return GROUPS


def build(groups: Sequence[str]) -> typer.Typer:
    """The app with the commands of `groups` registered."""
    built = typer.Typer(
        name="precis",
        help="Summarize long articles on SageMaker asynchronous inference, in AWS or fully offline.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    for group in groups:
        importlib.import_module(f"precis.cli.{group}").register(built)
    return built


app = build(groups_for(sys.argv))

"""`precis dismiss`: end a failure its user does not want to fix, so `stats` no longer counts it.

The record stays (FAILED, with its reason and a `dismissed_at` time); `precis retry ID` still works on
it and clears the mark; `retry --failed` leaves it alone.
"""

from __future__ import annotations

from typing import Annotated

import typer
from precis_core.domain.ids import timestamp
from precis_core.domain.models import Status

from precis.cli.console import EXIT_FAILED, console, errors, explained_errors, print_json, shown
from precis.cli.option_groups import with_option_groups
from precis.cli.selection import SelectionError, find_record
from precis.cli.stack_options import JsonOption, Target, open_store


@with_option_groups
def dismiss(
    references: Annotated[
        list[str],
        typer.Argument(metavar="ID|S3-URI...", help="FAILED documents not to fix.", show_default=False),
    ],
    target: Target,
    as_json: JsonOption = False,
) -> None:
    """Dismiss FAILED documents: they stay recorded, and `stats` and `retry --failed` leave them out."""
    outcomes: dict[str, str] = {}
    with explained_errors():
        resources = target.open()
        store = open_store(resources)
        for reference in references:
            try:
                record = find_record(store, reference, s3=resources.target.client("s3"))
            except SelectionError as error:
                outcomes[reference] = str(error)
                continue
            if record is None:
                outcomes[reference] = "no such document"
            elif record.status is not Status.FAILED:
                outcomes[reference] = f"not dismissed: it is {record.status.value}, only a FAILED one can be"
            elif store.dismiss(record.document_id, at=timestamp()):
                outcomes[reference] = "dismissed"
            else:
                outcomes[reference] = "not dismissed: it changed meanwhile"
    if as_json:
        print_json([{"reference": ref, "outcome": outcome} for ref, outcome in outcomes.items()])
    else:
        for reference, outcome in outcomes.items():
            (console if outcome == "dismissed" else errors).print(
                f"{shown(reference)}: {outcome}", highlight=False
            )
    if any(outcome != "dismissed" for outcome in outcomes.values()):
        raise typer.Exit(EXIT_FAILED)

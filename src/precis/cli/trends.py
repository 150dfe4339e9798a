"""`precis trends`: rising and falling phrases and names, new names and storylines per period."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from precis.analytics.periods import Grain, WhenError, calendar
from precis.analytics.trends import DEFAULT_MIN_SUPPORT, DEFAULT_TOP, trends
from precis.analytics.trends import as_json as trends_json
from precis.cli.analysis_options import DuckDbOption, Source, open_summaries, when
from precis.cli.console import EXIT_USAGE, console, fail, print_json
from precis.cli.option_groups import with_option_groups
from precis.cli.stack_options import CollectionOption, JsonOption, Target
from precis.cli.trends_view import plot, render


@with_option_groups
def trends_command(
    collection: CollectionOption = None,
    by: Annotated[
        Grain, typer.Option("--by", help="Period: day, week (Monday first) or month.")
    ] = Grain.week,
    since: Annotated[
        str | None, typer.Option("--since", help="First period: holds this date, time or duration ago (90d).")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="End (exclusive; default now).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Items per period in each list.")] = DEFAULT_TOP,
    min_support: Annotated[
        int, typer.Option("--min-support", min=1, help="Documents a term needs in a period to rise or fall.")
    ] = DEFAULT_MIN_SUPPORT,
    plot_path: Annotated[
        Path | None, typer.Option("--plot", help="Also draw the rising terms to a PNG.")
    ] = None,
    database: DuckDbOption = None,
    as_json: JsonOption = False,
    *,
    target: Target,
) -> None:
    """What is rising and falling, new names and storylines, per period, against a trailing baseline."""
    now = datetime.now(UTC)
    try:
        periods = calendar(by, when(since, now, "--since"), when(until, now, "--until"), now)
    except WhenError as error:
        raise fail(str(error), EXIT_USAGE) from None
    connection = open_summaries(Source(database, target))
    result = trends(connection, periods, collection, top=top, min_support=min_support)
    if plot_path:
        plot(result, plot_path)
    if as_json:
        print_json(trends_json(result))
        return
    render(console, result, top)
    if plot_path:
        console.print(f"plot: {plot_path}", highlight=False)

"""`precis trends` for people: tables with sparklines that fit the terminal, and a --plot PNG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from precis.analytics.trends import Movement, Trends
from precis.cli.console import shown

BARS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 16
PLOTTED_TERMS = 5


def sparkline(counts: Sequence[int], width: int = SPARK_WIDTH) -> str:
    """One bar per period (the busiest of each group when there are more periods than `width`)."""
    if not counts:
        return ""
    group = -(-len(counts) // width)
    values = [max(counts[i : i + group]) for i in range(0, len(counts), group)]
    top = max(values)
    if top == 0:
        return BARS[0] * len(values)
    return "".join(BARS[min(len(BARS) - 1, round(v / top * (len(BARS) - 1)))] for v in values)


def render(console: Console, result: Trends, top: int) -> None:
    first, last = result.starts[0], result.ends[-1]
    scope = shown(result.collection) if result.collection else "all collections"
    console.print(
        f"[bold]Trends in {scope}[/] by {result.by}, {first:%Y-%m-%d} to {last:%Y-%m-%d}", highlight=False
    )
    documents = result.documents
    console.print(
        f"{sum(documents)} documents in {len(documents)} periods  {sparkline(documents)}", highlight=False
    )
    _movements(console, "Rising", result, result.rising[:top], "score")
    _movements(console, "Falling", result, result.falling[:top], "score")
    _movements(console, "New names", result, result.new[:top], "new")
    console.print()
    if not result.storylines:
        console.print("[bold]Storylines[/]: none", highlight=False)
        return
    table = Table(title="Storylines", title_justify="left", box=None, pad_edge=False)
    table.add_column("storyline", overflow="ellipsis", no_wrap=True, ratio=1)
    table.add_column("docs", justify="right", width=5)
    table.add_column(f"per {result.by}", width=SPARK_WIDTH, no_wrap=True)
    for story in result.storylines[:top]:
        table.add_row(shown(story.label), str(story.size), sparkline(story.sizes))
    console.print(table)


def _movements(console: Console, title: str, result: Trends, items: Sequence[Movement], kind: str) -> None:
    console.print()
    if not items:
        console.print(f"[bold]{title}[/]: none", highlight=False)
        return
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    table.add_column("term", overflow="ellipsis", no_wrap=True, ratio=1)
    table.add_column("period", width=10, no_wrap=True)
    if kind == "score":
        table.add_column("score", justify="right", width=6)
    table.add_column("docs", justify="right", width=5)
    if kind == "score":
        table.add_column("base", justify="right", width=5)
    table.add_column(f"per {result.by}", width=SPARK_WIDTH, no_wrap=True)
    for item in items:
        numbers = (
            [f"{item.score:.1f}", str(item.count), f"{item.baseline:.1f}"]
            if kind == "score"
            else [str(item.count)]
        )
        table.add_row(
            shown(item.term), f"{result.starts[item.period]:%Y-%m-%d}", *numbers, sparkline(item.counts)
        )
    console.print(table)


def plot(result: Trends, target: Path) -> None:
    """Documents per period as bars, the best rising terms' documents per period as lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as dates
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(10, 4.5))
    starts = dates.date2num(result.starts)
    axis.xaxis_date()
    axis.bar(starts, result.documents, width=_bar_width(result), color="#dddddd", label="documents")
    terms = axis.twinx()
    plotted: set[str] = set()
    for item in result.rising:
        if item.term in plotted or len(plotted) >= PLOTTED_TERMS:
            continue
        plotted.add(item.term)
        terms.plot(starts, item.counts, marker="o", label=item.term)
    axis.set_ylabel("documents")
    terms.set_ylabel("documents mentioning the term")
    axis.set_title(f"Rising in {result.collection or 'all collections'} by {result.by}")
    if plotted:
        terms.legend(loc="upper left", fontsize="small")
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    plt.close(figure)


def _bar_width(result: Trends) -> float:
    if len(result.starts) < 2:
        return 1.0
    return 0.8 * (result.starts[1] - result.starts[0]).total_seconds() / 86400

"""What the templates draw, computed here: highlighted snippets and the trend charts as SVG boxes.

The charts are plain SVG rectangles with their sizes as attributes (the page's CSP allows no inline
style and no script from elsewhere, and there is no chart library to ship).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from precis.analytics.trends import Movement, Trends

CHART_HEIGHT = 40
BAR_WIDTH = 14
BAR_GAP = 4
_WORD = re.compile(r"(\w+)")


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    label: str
    value: int
    current: bool = False


@dataclass(frozen=True)
class RisingRow:
    movement: Movement
    period_label: str
    bars: list[Bar]
    width: int


def query_words(query: str) -> set[str]:
    """The words `highlight` marks for a query, split as it splits text ("flood-barrier" is two)."""
    return set(_WORD.findall(query.lower()))


def highlight(text: str, words: set[str]) -> Markup:
    """`text` escaped, with the words of the query (case-insensitive) in <mark>."""
    parts = []
    for piece in _WORD.split(text):
        if piece and piece.lower() in words:
            parts.append(Markup("<mark>{}</mark>").format(piece))
        else:
            parts.append(escape(piece))
    return Markup("").join(parts)


def bars(values: tuple[int, ...] | list[int], labels: list[str], current: int | None = None) -> list[Bar]:
    """One bar per value, scaled so the largest fills CHART_HEIGHT (a zero is a 1-pixel line)."""
    top = max(values, default=0) or 1
    out = []
    for i, value in enumerate(values):
        height = max(1, round(CHART_HEIGHT * value / top))
        out.append(
            Bar(
                x=i * (BAR_WIDTH + BAR_GAP),
                y=CHART_HEIGHT - height,
                width=BAR_WIDTH,
                height=height,
                label=labels[i] if i < len(labels) else "",
                value=int(value),
                current=i == current,
            )
        )
    return out


def chart_width(count: int) -> int:
    return max(1, count * (BAR_WIDTH + BAR_GAP) - BAR_GAP)


def period_labels(found: Trends) -> list[str]:
    return [f"{start:%Y-%m-%d}" for start in found.starts]


def period_bars(found: Trends) -> list[Bar]:
    """Documents per shown period."""
    return bars(found.documents, period_labels(found))


def rising_rows(found: Trends) -> list[RisingRow]:
    """Each rising term with its documents per period drawn, the period it rose in marked."""
    labels = period_labels(found)
    return [
        RisingRow(
            movement=item,
            period_label=labels[item.period] if 0 <= item.period < len(labels) else "",
            bars=bars(item.counts, labels, current=item.period),
            width=chart_width(len(item.counts)),
        )
        for item in found.rising
    ]

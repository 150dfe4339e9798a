"""What is changing in a collection: rising and falling phrases and names, new names and storylines.

`trends()` runs the counting in SQL (trend_sql) and turns the few rows that come back into a
`Trends`; `as_json()` is the documented `precis trends --json` shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from precis.analytics.periods import Periods
from precis.analytics.storylines import LABEL_TERMS, Storyline, storylines
from precis.analytics.trend_sql import EXAMPLES, Detail, Row, Scope, TermCounts

DEFAULT_TOP = 10
DEFAULT_MIN_SUPPORT = 3


@dataclass(frozen=True)
class Movement:
    """One term in one period: its score, documents now, documents its baseline predicts, examples."""

    term: str
    kind: str  # "phrase" or "name"
    period: int  # index into Trends.starts
    score: float
    count: int
    baseline: float
    counts: tuple[int, ...]  # per shown period, for sparklines
    documents: tuple[str, ...]


@dataclass(frozen=True)
class Story:
    label: str
    terms: tuple[str, ...]
    size: int
    sizes: tuple[int, ...]  # per shown period
    documents: tuple[str, ...]  # most central first (at most EXAMPLES)


@dataclass(frozen=True)
class Trends:
    collection: str | None
    by: str
    starts: tuple[datetime, ...]  # shown periods' starts
    ends: tuple[datetime, ...]
    documents: tuple[int, ...]  # per shown period
    rising: tuple[Movement, ...]  # best first
    falling: tuple[Movement, ...]  # steepest first
    new: tuple[Movement, ...]  # most documents first
    storylines: tuple[Story, ...]  # largest first


def trends(
    connection: duckdb.DuckDBPyConnection,
    periods: Periods,
    collection: str | None = None,
    top: int = DEFAULT_TOP,
    min_support: int = DEFAULT_MIN_SUPPORT,
) -> Trends:
    """Trends of a collection (or all) over `periods`; `top` items per period in each list."""
    counts = TermCounts(connection, Scope(periods, collection))
    counts.score(min_support)
    rising, falling = counts.movements(top, min_support)
    new = counts.new_names(top)
    postings = counts.storyline_postings(min_support)
    spellings = {(kind, term): spelling for _, kind, term, _, spelling in postings}
    found = storylines((row[:4] for row in postings), periods.count, min_support)
    details = counts.details((kind, term, k) for kind, term, k, *_ in (*rising, *falling, *new))
    shown = periods.shown
    return Trends(
        collection=collection,
        by=periods.label,
        starts=tuple(periods.span(k)[0] for k in shown),
        ends=tuple(periods.span(k)[1] for k in shown),
        documents=tuple(counts.documents[k] for k in shown),
        rising=_movements(rising, details, periods),
        falling=_movements(falling, details, periods),
        new=_movements(new, details, periods),
        storylines=tuple(_story(story, spellings, periods) for story in found[:top]),
    )


def _movements(rows: list[Row], details: dict[tuple[str, str, int], Detail], periods: Periods) -> tuple:
    """Rows as Movements, a phrase and a name with the same words kept once (the better one)."""
    seen: set[tuple[str, int]] = set()
    kept = []
    for kind, term, k, z, n, expected in rows:
        if (term, k) in seen:
            continue
        seen.add((term, k))
        detail = details[(kind, term, k)]
        kept.append(
            Movement(
                term=detail.spelling,
                kind=kind,
                period=k - periods.baseline,
                score=round(float(z), 3),
                count=int(n),
                baseline=round(float(expected), 2),
                counts=detail.counts,
                documents=detail.documents,
            )
        )
    return tuple(kept)


def _story(story: Storyline, spellings: dict[tuple[str, str], str], periods: Periods) -> Story:
    terms = tuple(spellings.get(term, term[1]) for term in story.terms)
    return Story(
        label=" · ".join(terms[:LABEL_TERMS]),
        terms=terms,
        size=story.size,
        sizes=story.sizes[periods.baseline :],
        documents=story.documents[:EXAMPLES],
    )


def as_json(result: Trends) -> dict:
    """The documented `precis trends --json` object."""

    def movement(item: Movement) -> dict:
        return {
            "term": item.term,
            "kind": item.kind,
            "period": result.starts[item.period].date().isoformat(),
            "score": item.score,
            "count": item.count,
            "baseline": item.baseline,
            "counts": list(item.counts),
            "documents": list(item.documents),
        }

    return {
        "collection": result.collection,
        "by": result.by,
        "periods": [
            {"start": start.isoformat(), "end": end.isoformat(), "documents": documents}
            for start, end, documents in zip(result.starts, result.ends, result.documents, strict=True)
        ],
        "rising": [movement(item) for item in result.rising],
        "falling": [movement(item) for item in result.falling],
        "new": [movement(item) for item in result.new],
        "storylines": [
            {
                "label": story.label,
                "terms": list(story.terms),
                "size": story.size,
                "sizes": list(story.sizes),
                "documents": list(story.documents),
            }
            for story in result.storylines
        ],
    }

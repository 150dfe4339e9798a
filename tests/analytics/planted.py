"""A corpus written for the tests: eight weeks of 30 documents with one phrase planted to rise in week 6,
one spread evenly, one fading, a name first seen in week 5 and a storyline over weeks 5 and 6."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
from summaries_table import add

MONDAY = datetime(2026, 9, 7)  # weeks 0-3 are the baseline, 4-7 are shown
WEEKS = 8
PER_WEEK = 30
BACKGROUND = [f"background topic {i}" for i in range(40)]


def _phrases(week: int, doc: int) -> list[str]:
    phrases = [BACKGROUND[(week * PER_WEEK + doc * 3 + j) % len(BACKGROUND)] for j in range(3)]
    if doc % 5 == 0:
        phrases.append("steady phrase")
    if (week == 6 and doc < 12) or doc == 1:
        phrases.append("quantum battery")
    if doc < (10 if week < 6 else 1):
        phrases.append("fading phrase")
    if (week == 5 and 14 <= doc < 22) or (week == 6 and 14 <= doc < 19):
        phrases += ["harbour strike", "dock workers", "port of leith"][: 3 if week == 5 else 2]
    return phrases


def _names(week: int, doc: int) -> list[str]:
    names = ["Acme"] if doc < 2 else []
    if week >= 5 and doc in (25, 26, 27):
        names.append("Zephyr Labs")
    return names


def write_planted(connection: duckdb.DuckDBPyConnection) -> None:
    for week in range(WEEKS):
        for doc in range(PER_WEEK):
            published = MONDAY + timedelta(weeks=week, hours=doc)
            add(connection, f"w{week}d{doc:02d}", published, _phrases(week, doc), _names(week, doc))

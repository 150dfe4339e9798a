"""Trends over a corpus written for the test: a planted rising phrase, an even one, a fading one, a new
name and a two-week storyline, counted by the real SQL in DuckDB."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from summaries_table import add, summaries_table

from precis.analytics.periods import Grain, calendar
from precis.analytics.trends import as_json, trends

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


@pytest.fixture(scope="module")
def planted():
    connection = summaries_table()
    for week in range(WEEKS):
        for doc in range(PER_WEEK):
            published = MONDAY + timedelta(weeks=week, hours=doc)
            add(connection, f"w{week}d{doc:02d}", published, _phrases(week, doc), _names(week, doc))
    periods = calendar(Grain.week, MONDAY + timedelta(weeks=4), MONDAY + timedelta(weeks=WEEKS), MONDAY)
    return trends(connection, periods, collection="news", top=5)


def test_the_planted_phrase_ranks_first_in_its_week_and_the_even_one_never_rises(planted):
    in_week_6 = [item for item in planted.rising if item.period == 2]
    assert in_week_6[0].term == "quantum battery"
    assert in_week_6[0].count == 12
    assert in_week_6[0].baseline == pytest.approx(1.0, abs=0.2)
    assert planted.rising[0].term == "quantum battery"  # best first over all periods too
    assert "steady phrase" not in {item.term for item in planted.rising + planted.falling}
    assert list(planted.rising[0].counts) == [1, 1, 12, 1]
    assert set(planted.rising[0].documents) <= {f"w6d{doc:02d}" for doc in range(12)}


def test_a_phrase_that_fades_falls_and_a_name_seen_first_is_new(planted):
    assert planted.falling[0].term == "fading phrase"
    assert planted.falling[0].score < 0
    new = [(item.term, item.period, item.count) for item in planted.new]
    assert new == [("Zephyr Labs", 1, 3)]  # week 5 only: in week 6 it is no longer new; Acme never was


def test_a_storyline_groups_its_documents_across_weeks(planted):
    story = planted.storylines[0]
    assert set(story.terms) >= {"harbour strike", "dock workers"}
    assert list(story.sizes) == [0, 8, 5, 0]
    assert story.size == 13
    assert set(story.documents) <= {f"w5d{d}" for d in range(14, 22)} | {f"w6d{d}" for d in range(14, 19)}
    assert len(planted.storylines) == 1


def test_json_has_the_documented_shape(planted):
    data = as_json(planted)
    assert set(data) == {"collection", "by", "periods", "rising", "falling", "new", "storylines"}
    assert data["by"] == "week"
    week_4 = {"start": "2026-10-05T00:00:00", "end": "2026-10-12T00:00:00", "documents": 30}
    assert data["periods"][0] == week_4
    first = data["rising"][0]
    assert {"term", "period", "score", "count", "baseline", "documents"} <= set(first)
    assert first["period"] == "2026-10-19"
    scores = [item["score"] for item in data["rising"]]
    assert scores == sorted(scores, reverse=True)

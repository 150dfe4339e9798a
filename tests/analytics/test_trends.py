"""Trends over a corpus written for the test: a planted rising phrase, an even one, a fading one, a new
name and a two-week storyline, counted by the real SQL in DuckDB."""

from __future__ import annotations

from datetime import timedelta

import pytest
from planted import MONDAY, WEEKS, write_planted
from summaries_table import summaries_table

from precis.analytics.periods import Grain, calendar
from precis.analytics.trends import as_json, trends


@pytest.fixture(scope="module")
def planted():
    connection = summaries_table()
    write_planted(connection)
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

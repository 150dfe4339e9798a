"""The reading room's search and trends pages: `precis search`'s and `precis trends`' functions
(precis.analytics) over an analytics copy in the stack's output bucket, read through the S3 API.

Needs the analytics modules (h22a's copy reader, h22b's search, trends and digest): these run once
those branches are merged.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from precis.cli.resources import choose_target, describe
from precis.ui.analysis import Analysis
from precis.ui.app import create_app
from precis.ui.library import Library

PORT = 8765
OWN = f"http://127.0.0.1:{PORT}"
LOCATION = "s3://precis-test-output/analytics/summaries/"
HOSTILE = '<img src=x onerror="alert(1)">'


def _row(document: str, published: datetime, phrases: list[str], title: str, summary: str) -> dict:
    moment = published.strftime("%Y-%m-%d %H:%M:%S.000")
    return {
        "document_id": document,
        "title": title,
        "published": moment,
        "published_source": "json",
        "submitted_at": moment,
        "completed_at": moment,
        "status": "COMPLETED",
        "words_in": 500,
        "words_out": 40,
        "summary": summary,
        "key_phrases": phrases,
        "entities": [],
        "source_uri": f"s3://precis-test-input/incoming/news/{document}.txt",
        "engine": "extractive",
        "model": "extractive-wordllama",
        "latency_ms": 1000,
    }


def _corpus(now: datetime) -> list[dict]:
    """Ten weeks of twelve summaries; "quantum battery" in most of last week's, once a week before."""
    monday = datetime.combine((now - timedelta(days=now.weekday())).date(), datetime.min.time())
    rows = []
    for week in range(10):
        start = monday - timedelta(weeks=10 - week)
        for n in range(12):
            rising = (week == 9 and n < 9) or n == 0
            phrases = [f"background {(week + n) % 7}", *(["quantum battery"] if rising else [])]
            summary = (
                "Researchers built a quantum battery that charges faster as it grows."
                if rising
                else f"The council discussed background matter {(week + n) % 7} at length."
            )
            rows.append(
                _row(f"{week:02d}{n:02d}" + "0" * 28, start + timedelta(hours=n), phrases, "", summary)
            )
    lava = "Lava from the erupting volcano reached the sea."
    rows.append(_row("f" * 32, monday - timedelta(days=2), ["volcano"], HOSTILE, lava))
    return rows


@pytest.fixture
def copy_written(stack, client):
    """The rows as the analytics function writes them: gzip JSON lines per collection and day."""
    now = datetime.now(UTC).replace(tzinfo=None)
    days: dict[str, list[dict]] = {}
    for row in _corpus(now):
        days.setdefault(row["published"][:10], []).append(row)
    for day, rows in days.items():
        body = gzip.compress("".join(json.dumps(row) + "\n" for row in rows).encode())
        client("s3").put_object(
            Bucket="precis-test-output",
            Key=f"analytics/summaries/collection=news/day={day}/part-0.json.gz",
            Body=body,
        )


@pytest.fixture
def browser(stack, copy_written, tmp_path):
    resources = describe(choose_target(stack, None, "us-east-1"))
    resources = dataclasses.replace(resources, outputs={**resources.outputs, "AnalyticsLocation": LOCATION})
    library = Library(resources)
    app = create_app(library, Analysis(resources, library, tmp_path), port=PORT)
    return app.test_client()


def test_search_ranks_the_matching_summaries_with_the_words_marked(browser):
    page = browser.get("/search?q=quantum+battery&collection=news", base_url=OWN).get_data(as_text=True)
    assert page.count('class="hit-title"') == 10  # the search's default limit
    assert "<mark>quantum</mark> <mark>battery</mark>" in page


def test_search_marks_the_words_of_a_hyphenated_query(browser):
    page = browser.get("/search?q=quantum-battery&collection=news", base_url=OWN).get_data(as_text=True)
    assert "<mark>quantum</mark> <mark>battery</mark>" in page


def test_search_escapes_what_it_finds(browser):
    page = browser.get("/search?q=volcano", base_url=OWN).get_data(as_text=True)
    assert "&lt;img src=x" in page
    assert "<img src=x" not in page


def test_search_sees_summaries_that_arrive_after_the_first_search(browser, client, monkeypatch):
    # Given a first search (the copy synced, the view open and the index built)
    first = browser.get("/search?q=volcano", base_url=OWN)
    assert first.status_code == 200
    monkeypatch.setattr("precis.ui.analysis.REFRESH_SECONDS", 0.0)
    # When nothing arrived, a later search answers from the same index
    again = browser.get("/search?q=volcano", base_url=OWN)
    assert again.status_code == 200 and "&lt;img src=x" in again.get_data(as_text=True)

    # And when a new object arrives in the copy
    geyser = _row(
        "e" * 32, datetime(2026, 11, 2), ["geyser"], "Geyser erupts in the park", "A geyser erupted."
    )
    client("s3").put_object(
        Bucket="precis-test-output",
        Key="analytics/summaries/collection=news/day=2026-11-02/part-9.json.gz",
        Body=gzip.compress((json.dumps(geyser) + "\n").encode()),
    )
    later = browser.get("/search?q=geyser", base_url=OWN)

    # Then the next search reads it (the open view closed before the cache is synced again)
    page = later.get_data(as_text=True)
    assert later.status_code == 200, page
    assert "Geyser erupts in the park" in page


def test_trends_show_the_rising_phrase_with_its_chart_and_the_digest(browser):
    response = browser.get("/trends?collection=news&by=week&digest=7d", base_url=OWN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    rising = page.split("<h2>Rising</h2>", 1)[1].split("</table>", 1)[0]
    assert "quantum battery" in rising
    assert '<svg class="spark"' in rising and 'class="now"' in rising
    assert "Digest of news" in page


def test_trends_refuse_an_unknown_grain(browser):
    response = browser.get("/trends?by=fortnight", base_url=OWN)
    assert response.status_code == 400
    assert "choose day, week or month" in response.get_data(as_text=True)

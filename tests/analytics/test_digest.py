"""The digest: a week's counts, rising phrases with titles, storylines told once, new names, failures;
the same bytes every time, and user text escaped for HTML and Markdown."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from summaries_table import add, summaries_table

from precis.analytics.digest import Failure, build_digest, html_page, markdown, near_duplicates

END = datetime(2026, 12, 7)
WIRE = "Dock workers walked out at the port, halting cargo ships for a second day as talks on pay stalled."


@pytest.fixture(scope="module")
def week():
    connection = summaries_table()
    for day in range(35):  # four quiet weeks, then the week reported
        moment = END - timedelta(days=35 - day, hours=-3)
        for n in range(4):
            add(connection, f"q{day}-{n}", moment, [f"routine {n}", "markets"], ["Acme"], title="Routine")
    reported = END - timedelta(days=3)
    for n in range(5):
        # Two storylines whose most central summaries are the same wire copy: told once in the digest.
        add(
            connection,
            f"a{n}",
            reported,
            ["harbour strike", "dock workers"],
            ["Leith"],
            title=f"Day {n}",
            summary=WIRE,
        )
        add(connection, f"b{n}", reported, ["port closure", "cargo delays"], title=f"Port {n}", summary=WIRE)
    add(
        connection,
        "a-x",
        reported,
        ["harbour strike"],
        ["Zephyr <Labs>", "Leith"],
        title="<script>alert(1)</script>",
    )
    add(
        connection,
        "a-y",
        reported,
        ["harbour strike"],
        ["Zephyr <Labs>", "Leith"],
        title="*Bold* [claim](http://x)",
    )
    failures = [Failure("f1", "Broken <upload>", "not UTF-8 text", "2026-12-05T10:00:00.000Z")]
    return build_digest(connection, "news", timedelta(days=7), END, failures)


def test_the_digest_reports_the_week(week):
    sections = {section.heading: section.lines for section in week.sections}
    assert week.overview == (
        "40 summaries from 2026-11-30 00:00 to 2026-12-07 00:00 UTC (28.0 per 7d before); 1 failed."
    )
    # A phrase and a name rising in the same documents: one story, one line.
    assert sections["Rising"][0][0] == "harbour strike · Leith"
    # Example titles: the first two of its example documents, sorted.
    examples = "*Bold* [claim](http://x); <script>alert(1)</script>"
    assert sections["Rising"][0][1] == f"7 documents, 0 expected: {examples}"
    storylines = sections["Storylines"]
    assert len(storylines) == 1 and storylines[0][1] == WIRE  # the two told as one
    assert storylines[0][0] == "Leith · harbour strike · dock workers (12 documents)"  # 7 + 5 merged
    assert sections["New names"] == (("Leith", "7 documents"), ("Zephyr <Labs>", "2 documents"))
    assert sections["Failures needing action"] == (("Broken <upload>", "f1: not UTF-8 text"),)


def test_the_same_summaries_give_the_same_bytes_and_user_text_is_escaped(week):
    page = html_page(week)
    assert page == html_page(week)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Zephyr &lt;Labs&gt;" in page and "Broken &lt;upload&gt;" in page
    text = markdown(week)
    assert "\\<script\\>alert(1)\\</script\\>" in text and "\\*Bold\\* \\[claim\\](http://x)" in text
    assert "40 summaries from 2026-11-30 00:00" in text  # only user text is escaped
    assert text.startswith("# Digest of news\n")


def test_near_duplicates_share_most_word_trigrams():
    assert near_duplicates(WIRE, WIRE.replace("second", "2nd"))
    assert not near_duplicates(WIRE, "Lava from the erupting volcano reached the sea on Tuesday night.")
    assert not near_duplicates("", "")

"""Search over summaries: a paraphrase finds its document, words find theirs, and the index grows
incrementally (only new or re-summarized rows are read and embedded)."""

from __future__ import annotations

from datetime import datetime

import pytest
from precis_summarizer.extractive import SentenceEncoder
from summaries_table import add, summaries_table

from precis.analytics.search import search, snippet
from precis.analytics.search_index import SearchIndex

SUMMARIES = {
    "rates": "The central bank raised interest rates by half a point to curb inflation. "
    "Officials said price growth had stayed above target for a year.",
    "football": "The club signed a new striker from a rival team for a record transfer fee. "
    "The manager said the player would start on Saturday.",
    "frog": "Biologists discovered a new species of tree frog in the Amazon rainforest. "
    "The tiny amphibian lives in the canopy and calls at night.",
    "cloud": "The software company reported record quarterly profit as cloud subscriptions grew. "
    "Shares rose after the results beat forecasts.",
    "storm": "A powerful storm knocked out electricity to thousands of homes along the coast. "
    "Crews worked overnight to restore power.",
    "vaccine": "Researchers reported that a new malaria vaccine cut infections in children by a third "
    "in a large trial across four countries.",
    "election": "Voters in the capital elected a new mayor after a close race decided by a few "
    "hundred ballots. A recount was requested.",
    "mars": "The rover collected rock samples from an ancient river delta on Mars that may hold "
    "traces of past microbial life.",
}


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder.load()


@pytest.fixture()
def index(tmp_path, encoder):
    connection = summaries_table()
    for number, (name, text) in enumerate(SUMMARIES.items()):
        add(connection, name, datetime(2026, 11, 1 + number), [], summary=text, title=name.title())
    return SearchIndex(connection, tmp_path / "index", encoder)


def test_a_paraphrase_finds_its_document(index):
    index.update()
    hits = search(index, "monetary authority lifts borrowing costs to fight rising prices", limit=3)
    assert hits[0].document_id == "rates"
    assert hits[0].snippet.startswith("The central bank raised interest rates")
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_words_find_their_document_and_filters_apply(index):
    index.update()
    assert search(index, "malaria vaccine trial")[0].document_id == "vaccine"
    assert search(index, "rover", since=datetime(2026, 11, 8))[0].document_id == "mars"
    assert "mars" not in {hit.document_id for hit in search(index, "rover", since=datetime(2026, 11, 9))}
    assert search(index, "rover", collection="elsewhere") == []


def test_the_index_only_reads_what_is_new(index):
    first = index.update()
    assert (first.added, first.replaced, first.documents) == (len(SUMMARIES), 0, len(SUMMARIES))
    assert index.update().added == 0
    add(
        index.db,
        "volcano",
        datetime(2026, 11, 20),
        [],
        summary="Lava from the erupting volcano reached the sea.",
    )
    # A re-summarized document: a newer completion replaces the old row in the index.
    index.db.execute(
        "UPDATE summaries SET summary = 'Astronomers mapped a comet.', completed_at = TIMESTAMP '2026-12-01' "
        "WHERE document_id = 'mars'"
    )
    second = index.update()
    assert (second.added, second.replaced, second.documents) == (1, 1, len(SUMMARIES) + 1)
    assert search(index, "erupting volcano lava")[0].document_id == "volcano"
    assert search(index, "comet astronomers")[0].document_id == "mars"
    assert len(list(index.directory.glob("vectors-*.npy"))) == 2


def test_snippet_is_the_sentence_sharing_most_words_cut_at_a_word():
    text = "First sentence about nothing. The storm cut power to the coast. Last one."
    assert snippet(text, {"storm", "power"}) == "The storm cut power to the coast."
    assert snippet("word " * 100, {"x"}, width=20) == "word word word word…"


def test_segments_are_merged_when_there_are_too_many(index, monkeypatch):
    monkeypatch.setattr("precis.analytics.search_index._MAX_SEGMENTS", 1)
    index.update()
    add(
        index.db,
        "volcano",
        datetime(2026, 11, 20),
        [],
        summary="Lava from the erupting volcano reached the sea.",
    )
    index.db.execute("UPDATE summaries SET completed_at = TIMESTAMP '2026-12-01' WHERE document_id = 'frog'")
    index.update()
    assert [path.name for path in index.directory.glob("vectors-*.npy")] == ["vectors-000003.npy"]
    assert search(index, "erupting volcano lava")[0].document_id == "volcano"
    assert search(index, "a tree frog species found in the jungle")[0].document_id == "frog"
    assert search(index, "monetary authority lifts borrowing costs")[0].document_id == "rates"

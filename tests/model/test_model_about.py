"""Key phrases and named things of a whole article: ranked, typed, bounded, and the same every time."""

from __future__ import annotations

from precis_summarizer.entities import MAX_ENTITIES, named_things
from precis_summarizer.keyphrases import (
    MAX_PHRASE_CHARS,
    MAX_PHRASE_WORDS,
    MAX_PHRASES,
    _candidates,
    _content,
    key_phrases,
)
from precis_summarizer.sentences import segment
from precis_summarizer.tokens import tokenize

from precis.samples import plain_text, sample_files

# Written for this test: a short news story with a company, people, places, a product and a ticker.
ARTICLE = """Tidal turbines to power Orkney ferries from next spring

Marrow Tidal Energy will install four tidal turbines in the Pentland Firth to charge electric ferries,
the company said on Monday. The tidal turbines will feed a battery store at Stromness harbour.

Chief executive Isla Brodie said the tidal turbines would cut diesel use on the ferry routes by half.
"Tidal power is predictable in a way wind is not," Brodie said. Shares in Marrow Tidal Energy
(Oslo: MTE) rose 6% after the announcement.

The turbines use the company's Selkie T2 platform, tested off Eday since 2024. Dr Aonghas Reid, an
engineer at the University of the Highlands and Islands, said battery storage at the harbour was the
harder part. Electric ferries need a full charge in the forty minutes they spend in port.

Orkney Islands Council expects the first electric ferries on the Stromness route in April. The council
will pay for the battery store; Marrow Tidal Energy will sell the tidal power at a fixed price.
"""


def _sentences() -> list[str]:
    return [s.text for s in segment(ARTICLE)]


def test_key_phrases_rank_what_the_article_is_about_first() -> None:
    phrases = key_phrases(_sentences())
    assert 5 <= len(phrases) <= MAX_PHRASES
    assert phrases[0] == "tidal turbines"
    assert {"electric ferries", "battery store"} <= set(phrases[:8])
    # Words that say nothing on their own are never a phrase; plural and singular are one phrase.
    assert not {"said", "the company", "monday", "april"} & {p.lower() for p in phrases}
    assert sum(p.lower() in ("tidal turbine", "tidal turbines") for p in phrases) == 1


def test_named_things_are_typed_by_their_cues() -> None:
    found = {(thing["text"], thing["type"]) for thing in named_things(_sentences())}
    assert {
        ("Marrow Tidal Energy", "ORG"),
        ("Orkney Islands Council", "ORG"),
        ("Isla Brodie", "PERSON"),
        ("Aonghas Reid", "PERSON"),
        ("University of the Highlands and Islands", "ORG"),
        ("Pentland Firth", "PLACE"),
        ("Stromness", "PLACE"),
        ("Selkie T2", "PRODUCT"),
        ("MTE", "TICKER"),
    } <= found
    # A surname alone is the person already named, not a second thing; a weekday names nothing.
    texts = [text for text, _ in found]
    assert "Brodie" not in texts and "Monday" not in texts


def test_the_most_mentioned_come_first_and_the_list_is_bounded() -> None:
    things = named_things(_sentences())
    assert things[0] == {"text": "Marrow Tidal Energy", "type": "ORG"}
    many = [f"Shares in Company{n} Holdings rose." for n in range(100)]
    assert len(named_things(many)) == MAX_ENTITIES
    assert len(key_phrases(many, limit=3)) == 3


def test_the_same_article_gives_the_same_answer_every_time() -> None:
    first = (key_phrases(_sentences()), named_things(_sentences()))
    assert all((key_phrases(_sentences()), named_things(_sentences())) == first for _ in range(3))
    assert key_phrases([]) == [] and named_things([]) == []


def _runs_one_token_at_a_time(tokens: list[str]) -> list[str]:
    """The plain definition of a sentence's candidates: runs of content words, cut every four words."""
    found, run = [], []
    for word in [*tokens, "."]:
        if _content(word):
            run.append(word)
            continue
        pieces = (
            " ".join(run[start : start + MAX_PHRASE_WORDS]) for start in range(0, len(run), MAX_PHRASE_WORDS)
        )
        found += [piece for piece in pieces if len(piece) <= MAX_PHRASE_CHARS]
        run = []
    return found


def test_candidates_found_by_regex_over_a_joined_sentence_are_the_runs_of_content_words() -> None:
    long_run = "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa rose, " + "x" * 90 + " fell."
    articles = [ARTICLE, long_run, *(plain_text(path) for path in sample_files())]
    for text in articles:
        tokenized = tokenize([s.text for s in segment(text)])
        assert _candidates(tokenized) == [_runs_one_token_at_a_time(tokens) for tokens in tokenized]

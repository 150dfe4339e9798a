"""Named things in an article: organisations, people, places, products and tickers, by rules, offline.

A name is a run of capitalized words (joined by "of", "for", "&" and the like), without the sentence
words that open it ("The", "In"). Its type comes from cues around it, strongest first:
- TICKER: an exchange and a symbol ("NYSE: HGS", "Oslo: HGS"), or a cashtag ($HGS);
- PERSON: an honorific (Dr, Ms), a verb of saying next to it, a role beside it ("Ana Silva, chief
  executive", "economist Ana Silva"); later mentions by surname alone join the full name;
- ORG: an organisation word in it (Bank, University, Ltd, Systems, Council), "shares in" before it;
  an acronym in brackets after a name stands for that name ("Halvorsen Grid Systems (HGS)");
- PLACE: a place word in it (County, River), a known country, region or city, or a preposition of
  place before it ("in Larkfield");
- PRODUCT: a product word after it ("the Aurora platform"), a model number (HX-200), or a generic drug
  name (...mab, ...stat).
A name with no cue is left out: precision first. Each thing is listed once, most mentioned first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from precis_summarizer.lexicon import (
    DRUG_SUFFIXES,
    EXCHANGES,
    HONORIFICS,
    NOT_NAMES,
    ORG_WORDS,
    PLACE_PREPOSITIONS,
    PLACE_WORDS,
    PLACES,
    PRODUCT_WORDS,
    ROLES,
    SPEECH_VERBS,
)
from precis_summarizer.tokens import tokenize

TYPES = ("ORG", "PERSON", "PLACE", "PRODUCT", "TICKER")
MAX_ENTITIES = 30
MAX_ENTITY_CHARS = 80
_CONNECTORS = frozenset({"of", "for", "&", "de", "del", "van", "von", "der", "la", "du", "and"})
_ACRONYM = re.compile(r"^[A-Z][A-Z&]{1,5}$")
_MODEL_NUMBER = re.compile(
    r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+$|^[A-Z]+\d+[A-Z]*$"
)
_EXCHANGE_TICKER = re.compile(
    r"\b(" + "|".join(sorted(EXCHANGES)) + r")\s*:\s*([A-Z][A-Z0-9]{0,5}(?:\.[A-Z]{1,2})?)\b"
)
_OWNERSHIP = frozenset({"shares", "stake", "stakes", "investment", "investors", "shareholders"})
_ADJECTIVE_ENDINGS = ("an", "ese", "ish", "ic", "ean")
_CASHTAG = re.compile(r"(?<![\w$])\$([A-Z]{1,5})\b")


@dataclass(frozen=True)
class _Mention:
    text: str
    type: str
    position: int


def named_things(
    sentences: Sequence[str], limit: int = MAX_ENTITIES, tokenized: Sequence[Sequence[str]] | None = None
) -> list[dict[str, str]]:
    """[{"text", "type"}] for the document's named things, most mentioned first (then first seen);
    `tokenized`: the sentences' tokens if the caller has them (precis_summarizer.tokens)."""
    tokenized = tokenize(sentences) if tokenized is None else tokenized
    # Each distinct word is looked at once (a long article repeats most of its words).
    words = set().union(*tokenized)
    lowered = frozenset(filter(str.islower, words))
    capitalized = frozenset(w for w in words.difference(lowered) if w[:1].isalpha())
    drugs = frozenset(w for w in lowered if w.endswith(DRUG_SUFFIXES) and len(w) > 6 and w.isalpha())
    mentions: list[_Mention] = []
    aliases: dict[str, tuple[str, str]] = {}  # "HGS" → the name it abbreviates, with that name's type
    position = 0
    for sentence, tokens in zip(sentences, tokenized, strict=True):
        mentions += _tickers(sentence, position)
        for start, end in _name_spans(tokens, lowered, capitalized):
            kind, name = _classify(tokens, start, end)
            if name in aliases:
                kind, name = aliases[name]
            if kind and name and len(name) <= MAX_ENTITY_CHARS:
                mentions.append(_Mention(name, kind, position + start))
                short = _defined_acronym(tokens, start, end)
                if short:
                    aliases[short] = (kind, name)
        if not drugs.isdisjoint(tokens):
            mentions += [_Mention(t, "PRODUCT", position + i) for i, t in enumerate(tokens) if t in drugs]
        position += len(tokens) + 1
    return _merged(mentions, limit)


def _tickers(sentence: str, position: int) -> list[_Mention]:
    # Each pattern needs its colon or dollar sign: most sentences have neither and are not searched.
    symbols = [m.group(2) for m in _EXCHANGE_TICKER.finditer(sentence)] if ":" in sentence else []
    if "$" in sentence:
        symbols += [m.group(1) for m in _CASHTAG.finditer(sentence)]
    return [_Mention(symbol, "TICKER", position) for symbol in symbols]


def _name_spans(
    tokens: Sequence[str], lowered: frozenset[str], capitalized: frozenset[str]
) -> list[tuple[int, int]]:
    """(start, end) of each run of capitalized words (with "of", "&"... between), sentence words cut;
    `capitalized`: the article's words with a letter first that are not all lower case."""
    capitals = [i for i, token in enumerate(tokens) if token in capitalized]
    if not capitals:
        return []
    capital = set(capitals)
    spans = []
    reached = 0
    last = len(tokens) - 1
    for i in capitals:
        if i < reached:
            continue
        end = i + 1
        while True:
            if end in capital:
                end += 1
                continue
            following = tokens[end] if end <= last else ""
            if following in _CONNECTORS and end + 1 in capital:
                end += 2
            elif following == "of" and end + 2 in capital and tokens[end + 1] == "the":
                end += 3  # University of the Highlands
            else:
                break
        reached = end
        start = i
        while start < end and (tokens[start] in NOT_NAMES or tokens[start] in HONORIFICS):
            start += 1
        if start < end and not (start == 0 and end == 1 and tokens[0].lower() in lowered):
            spans.append((start, end))
    return spans


def _classify(tokens: Sequence[str], start: int, end: int) -> tuple[str | None, str]:
    words = tokens[start:end]
    name = " ".join(words).strip(" .,'’")
    before = tokens[start - 1] if start > 0 else ""
    after = tokens[end] if end < len(tokens) else ""
    then = tokens[end + 1] if end + 1 < len(tokens) else ""
    if name in EXCHANGES and after == ":":
        return None, name  # the exchange of a ticker ("Oslo: MTE")
    titled = all(w[:1].isupper() and w[1:].islower() and w.isalpha() for w in words)
    if before in HONORIFICS or (start > 1 and tokens[start - 2] in HONORIFICS and before == "."):
        return "PERSON", name
    if len(words) == 1 and _ACRONYM.match(name) and name not in PLACES:
        return None, name  # CI, HR, EBITDA: an acronym alone says too little of what it names
    if any(w in ORG_WORDS for w in words[1:]) or (words[0] in ORG_WORDS and "of" in words):
        return "ORG", name  # Marrow Tidal Energy, Bank of England
    if len(words) == 1 and after[:1].islower() and name.endswith(_ADJECTIVE_ENDINGS):
        return None, name  # Nordic, Asian, Danish: a demonym before a noun
    if titled and 2 <= len(words) <= 3:
        if after.lower() in SPEECH_VERBS or before.lower() in SPEECH_VERBS:
            return "PERSON", name
        if (after == "," and then.lower() in ROLES) or before.lower() in ROLES:
            return "PERSON", name
    if after.lower().rstrip("s") in PRODUCT_WORDS or (
        len(words) > 1 and any(_MODEL_NUMBER.match(w) for w in words)
    ):
        return "PRODUCT", name
    if (len(words) > 1 and words[-1] in PLACE_WORDS) or all(w in PLACES for w in words):
        return "PLACE", name
    owned = start > 1 and tokens[start - 2].lower() in _OWNERSHIP and before == "in"
    if owned:
        return "ORG", name  # "shares in Nordane", "a stake in Nordane"
    place_before = before.lower() in PLACE_PREPOSITIONS or (
        before == "the" and start > 1 and tokens[start - 2].lower() in PLACE_PREPOSITIONS
    )
    if place_before and len(words) <= 3 and titled:
        return "PLACE", name
    if words[0] in ORG_WORDS and len(words) > 1:
        return "ORG", name
    return None, name


def _defined_acronym(tokens: Sequence[str], start: int, end: int) -> str | None:
    """ "Halvorsen Grid Systems (HGS)": the acronym in brackets after a name, if its initials spell it."""
    if end + 2 < len(tokens) and tokens[end] == "(" and tokens[end + 2] == ")":
        short = tokens[end + 1]
        initials = "".join(w[0] for w in tokens[start:end] if w[:1].isupper())
        if _ACRONYM.match(short) and short == initials:
            return short
    return None


def _merged(mentions: list[_Mention], limit: int) -> list[dict[str, str]]:
    """One entry per thing: a surname joins the person's full name; the type most of its mentions got."""
    people = [m.text for m in mentions if m.type == "PERSON" and " " in m.text]
    surnames = {text.split()[-1]: text for text in people}
    votes: dict[str, Counter[str]] = {}
    first: dict[str, int] = {}
    case: dict[str, str] = {}
    for mention in mentions:
        text = surnames.get(mention.text, mention.text) if " " not in mention.text else mention.text
        key = text.lower()
        votes.setdefault(key, Counter())[mention.type] += 1
        first.setdefault(key, mention.position)
        case.setdefault(key, text)
    order = sorted(votes, key=lambda key: (-sum(votes[key].values()), first[key], key))
    return [
        {"text": case[key], "type": min(votes[key], key=lambda kind: (-votes[key][kind], TYPES.index(kind)))}
        for key in order[:limit]
    ]

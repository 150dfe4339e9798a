"""What an article is about: up to 15 key phrases from the whole text, ranked, deterministic, offline.

Candidates are the runs of content words between stop words and punctuation (one to four words, as
RAKE cuts them). A candidate scores by how often it and its longer phrases occur, how early it first
appears (the title and lead state the topic), how many words it has (a two-word phrase says more than
either word) and how specific its words are (generic report words such as "percent" or "week" weigh
less). Plural and singular forms count as one phrase, shown in the form the text uses most. A phrase
inside a better-ranked one is dropped unless it also stands alone often. Pure Python; nothing loaded.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from precis_summarizer.lexicon import GENERIC_WORDS, HONORIFICS, ROLES, STOP_WORDS
from precis_summarizer.tokens import tokenize

MAX_PHRASES = 15
MAX_PHRASE_WORDS = 4
MAX_PHRASE_CHARS = 80
# slice objects of each proper sub-phrase of a phrase of n words (n ≤ MAX_PHRASE_WORDS)
_SUB_SLICES = {
    n: [slice(start, start + size) for size in range(1, n) for start in range(n - size + 1)]
    for n in range(1, MAX_PHRASE_WORDS + 1)
}
_GENERIC_WEIGHT = 0.35
_SINGLE_WORD_WEIGHT = 0.55


def key_phrases(
    sentences: Sequence[str], limit: int = MAX_PHRASES, tokenized: Sequence[Sequence[str]] | None = None
) -> list[str]:
    """The document's key phrases, best first (at most `limit`); `sentences` in document order, and
    their tokens if the caller has them (precis_summarizer.tokens)."""
    forms: Counter[tuple[tuple[str, ...], str]] = Counter()  # (phrase, how the text wrote it)
    first: dict[tuple[str, ...], int] = {}
    for index, tokens in enumerate(tokenize(sentences) if tokenized is None else tokenized):
        for surface, key in _candidates(tokens):
            forms[key, surface] += 1
            first.setdefault(key, index)
    counts: dict[tuple[str, ...], int] = {}
    for (key, _), count in forms.items():
        counts[key] = counts.get(key, 0) + count
    # How often each phrase also occurs inside longer ones ("heart failure" in "worsening heart failure").
    containing: dict[tuple[str, ...], int] = {}
    for key, count in counts.items():
        size = len(key)
        if size > 1:
            for sub in _SUB_SLICES[size]:
                part = key[sub]
                containing[part] = containing.get(part, 0) + count
    total = max(len(sentences), 1)
    # With enough repeated phrases, one said once past the opening can no longer make the list.
    repeated = sum(1 for key, count in counts.items() if count + containing.get(key, 0) > 1)
    opening = total / 10 if repeated > 2 * limit else total
    scored = []
    for key, count in counts.items():
        inside = containing.get(key, 0)
        if count + inside < 2 and first[key] > (0 if len(key) == 1 else opening):
            continue  # a lone mention after the title (of one word) or after the opening (of several)
        if len(key) == 1 and _modifier(key[0]):
            continue  # a word that qualifies others (confirmed, weekly)
        position = 1.0 + 1.0 / (1.0 + 10.0 * first[key] / total)
        length = _SINGLE_WORD_WEIGHT if len(key) == 1 else 1.0 + 0.15 * (len(key) - 2)
        specific = sum([_GENERIC_WEIGHT if w in GENERIC_WORDS else 1.0 for w in key]) / len(key)
        scored.append((-math.log1p(count + 0.5 * inside) * position * length * specific, first[key], key))
    scored.sort()
    chosen: list[tuple[str, ...]] = []
    for _, _, key in scored:
        if len(chosen) >= limit:
            break
        if not any(_inside(key, better) and counts[key] <= counts[better] for better in chosen):
            chosen.append(key)
    written: dict[tuple[str, ...], dict[str, int]] = {key: {} for key in chosen}
    for (key, surface), count in forms.items():
        if key in written:
            written[key][surface] = count
    return [_display(written[key]) for key in chosen]


def phrase_key(words: Sequence[str]) -> tuple[str, ...]:
    """How a phrase is compared: lower case, each word in a simple singular form."""
    return tuple([_singular(word.lower().replace("’", "'")) for word in words])


@lru_cache(maxsize=65_536)
def _key_of(surface: str) -> tuple[str, ...]:
    return phrase_key(surface.split(" "))


def _candidates(tokens: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(surface, key) of the runs of content words of one sentence, cut at breaks and stop words."""
    found = []
    run: list[str] = []
    for word in [*tokens, "."]:
        if _content(word):
            run.append(word)
            continue
        if run:
            for start in range(0, len(run), MAX_PHRASE_WORDS):
                surface = " ".join(run[start : start + MAX_PHRASE_WORDS])
                if len(surface) <= MAX_PHRASE_CHARS:
                    found.append((surface, _key_of(surface)))
            run = []
    return found


@lru_cache(maxsize=65_536)
def _content(word: str) -> bool:
    """A word a key phrase may hold: a letter first (breaks and numbers are not), not a stop word."""
    if not word[:1].isalpha() or len(word) < 2:
        return False
    lower = word.lower()
    if lower in STOP_WORDS or lower in ROLES or word in HONORIFICS:
        return False
    return lower.replace("'s", "").replace("’s", "") not in STOP_WORDS


def _modifier(word: str) -> bool:
    return len(word) > 4 and word.endswith(("ed", "ly", "ing")) and not word.endswith(("eed", "ling"))


@lru_cache(maxsize=65_536)
def _singular(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ics")):
        return word[:-1]
    return word


def _inside(key: tuple[str, ...], other: tuple[str, ...]) -> bool:
    size = len(key)
    return size < len(other) and any(other[i : i + size] == key for i in range(len(other) - size + 1))


def _display(forms: dict[str, int]) -> str:
    """The form the text uses most, preferring one not capitalized only for opening a sentence (ties:
    the first in sort order, so the output is stable)."""
    pool = {form: count for form, count in forms.items() if form[:1].islower()} or forms
    best = max(pool.values())
    return min(form for form, count in pool.items() if count == best)

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
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain, repeat

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
_RUN = re.compile(r"[^ ]+(?: [^ ]+)*")  # words joined by single spaces (see _candidates)
_GENERIC_WEIGHT = 0.35
_SINGLE_WORD_WEIGHT = 0.55


def key_phrases(
    sentences: Sequence[str], limit: int = MAX_PHRASES, tokenized: Sequence[Sequence[str]] | None = None
) -> list[str]:
    """The document's key phrases, best first (at most `limit`); `sentences` in document order, and
    their tokens if the caller has them (precis_summarizer.tokens)."""
    # Counted by Counter and dict.update over whole lists (loops in C, not Python).
    surfaces_in = _candidates(tokenize(sentences) if tokenized is None else tokenized)
    keys_in = [list(map(_key_of, surfaces)) for surfaces in surfaces_in]
    counts = Counter(chain.from_iterable(keys_in))
    # (phrase, how the text wrote it)
    forms = Counter(zip(chain.from_iterable(keys_in), chain.from_iterable(surfaces_in), strict=True))
    first: dict[tuple[str, ...], int] = {}  # the sentence each phrase first occurs in
    for index in range(len(keys_in) - 1, -1, -1):
        first.update(zip(keys_in[index], repeat(index)))
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
    lone = [key for key, count in counts.items() if count == 1 and key not in containing]
    opening = total / 10 if len(counts) - len(lone) > 2 * limit else total
    # A lone mention after the title (of one word) or after the opening (of several) is not scored.
    late = {key for key in lone if first[key] > (0 if len(key) == 1 else opening)}
    scored = []
    for key, count in counts.items():
        if key in late:
            continue
        size = len(key)
        if size == 1 and _modifier(key[0]):
            continue  # a word that qualifies others (confirmed, weekly)
        at = first[key]
        position = 1.0 + 1.0 / (1.0 + 10.0 * at / total)
        length = _SINGLE_WORD_WEIGHT if size == 1 else 1.0 + 0.15 * (size - 2)
        specific = sum([_GENERIC_WEIGHT if w in GENERIC_WORDS else 1.0 for w in key]) / size
        weight = math.log1p(count + 0.5 * containing.get(key, 0))
        scored.append((-weight * position * length * specific, at, key))
    scored.sort()
    chosen: list[tuple[str, ...]] = []
    for _, _, key in scored:
        if len(chosen) >= limit:
            break
        count = counts[key]
        for better in chosen:  # a loop, not any() over a generator: this runs for every phrase tried
            if count <= counts[better] and _inside(key, better):
                break
        else:
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


def _candidates(tokenized: Sequence[Sequence[str]]) -> list[list[str]]:
    """Each sentence's candidate phrases as written: its runs of content words, cut at breaks and stop
    words, in pieces of at most MAX_PHRASE_WORDS words.

    Tokens hold no spaces, so a sentence is joined with one space between tokens and an empty string
    for each token that is not a content word: a run is then a stretch of single-spaced words, found
    by one regex search per sentence rather than by a test per token in Python."""
    words = set().union(*tokenized)
    shown = {word: word if _content(word) else "" for word in words}  # each distinct word tested once
    found = []
    for tokens in tokenized:
        surfaces = []
        for run in _RUN.findall(" ".join(map(shown.__getitem__, tokens))):
            if run.count(" ") < MAX_PHRASE_WORDS:
                if len(run) <= MAX_PHRASE_CHARS:
                    surfaces.append(run)
                continue
            split = run.split(" ")
            step = MAX_PHRASE_WORDS
            parts = (" ".join(split[i : i + step]) for i in range(0, len(split), step))
            surfaces += [part for part in parts if len(part) <= MAX_PHRASE_CHARS]
        found.append(surfaces)
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

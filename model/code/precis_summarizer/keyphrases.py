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
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from precis_summarizer.lexicon import GENERIC_WORDS, HONORIFICS, ROLES, STOP_WORDS

MAX_PHRASES = 15
MAX_PHRASE_WORDS = 4
MAX_PHRASE_CHARS = 80
_WORD = re.compile(r"[^\W\d_][\w'’&.-]*[\w]|[^\W\d_]|\d+(?:[.,]\d+)*%?", re.UNICODE)
_BREAK = re.compile(r"[,;:()\[\]{}\"“”!?…|/]|\s[-–—]\s|\.(?:\s|$)")
_GENERIC_WEIGHT = 0.35
_SINGLE_WORD_WEIGHT = 0.55


@dataclass(frozen=True)
class _Candidate:
    key: tuple[str, ...]
    surface: str
    sentence: int


def key_phrases(sentences: Sequence[str], limit: int = MAX_PHRASES) -> list[str]:
    """The document's key phrases, best first (at most `limit`); `sentences` in document order."""
    candidates = [c for index, text in enumerate(sentences) for c in _candidates(text, index)]
    if not candidates:
        return []
    counts = Counter(c.key for c in candidates)
    first = {}
    forms: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for candidate in candidates:
        first.setdefault(candidate.key, candidate.sentence)
        forms[candidate.key][candidate.surface] += 1
    # A word's weight in the document: generic words and one-off words count for less.
    containing: dict[tuple[str, ...], int] = Counter()
    for key, count in counts.items():
        for size in range(1, len(key)):
            for start in range(len(key) - size + 1):
                containing[key[start : start + size]] += count
    total = max(len(sentences), 1)
    scored = []
    for key, count in counts.items():
        if len(key) == 1 and (count + containing.get(key, 0) < 2 and first[key] > 0 or _modifier(key[0])):
            continue  # a lone mention after the title, or a word that qualifies others (confirmed, weekly)
        frequency = count + 0.5 * containing.get(key, 0)
        position = 1.0 + 1.0 / (1.0 + 10.0 * first[key] / total)
        length = _SINGLE_WORD_WEIGHT if len(key) == 1 else 1.0 + 0.15 * (len(key) - 2)
        specific = sum(_GENERIC_WEIGHT if w in GENERIC_WORDS else 1.0 for w in key) / len(key)
        score = math.log1p(frequency) * position * length * specific
        scored.append((-score, first[key], key))
    scored.sort()
    chosen: list[tuple[str, ...]] = []
    for _, _, key in scored:
        if len(chosen) >= limit:
            break
        if any(_inside(key, better) and counts[key] <= counts[better] for better in chosen):
            continue
        chosen.append(key)
    return [_display(forms[key]) for key in chosen]


def phrase_key(words: Sequence[str]) -> tuple[str, ...]:
    """How a phrase is compared: lower case, each word in a simple singular form."""
    return tuple(_singular(word.lower().replace("’", "'")) for word in words)


def _candidates(text: str, sentence: int) -> list[_Candidate]:
    found = []
    for chunk in _BREAK.split(text):
        run: list[str] = []
        for word in _WORD.findall(chunk) + [""]:
            if word and _content(word):
                run.append(word.rstrip("."))
                continue
            for start in range(0, len(run), MAX_PHRASE_WORDS):
                piece = run[start : start + MAX_PHRASE_WORDS]
                surface = " ".join(piece)
                if len(surface) <= MAX_PHRASE_CHARS:
                    found.append(_Candidate(phrase_key(piece), surface, sentence))
            run = []
    return found


def _content(word: str) -> bool:
    lower = word.lower().rstrip(".")
    if lower in STOP_WORDS or lower in ROLES or word in HONORIFICS or len(lower) < 2:
        return False
    if not any(ch.isalpha() for ch in lower):
        return False
    return lower.replace("'s", "").replace("’s", "") not in STOP_WORDS


def _modifier(word: str) -> bool:
    return len(word) > 4 and word.endswith(("ed", "ly", "ing")) and not word.endswith(("eed", "ling"))


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


def _display(forms: Counter[str]) -> str:
    """The form the text uses most, preferring one not capitalized only for opening a sentence (ties:
    the first in sort order, so the output is stable)."""
    lower = Counter({form: count for form, count in forms.items() if form[:1].islower()})
    pool = lower or forms
    best = max(pool.values())
    return min(form for form, count in pool.items() if count == best)

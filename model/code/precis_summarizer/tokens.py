"""Word tokens of sentences, for key phrases and named things: one regex pass, shared by both.

A word starts with a letter and keeps inner apostrophes, hyphens, ampersands and dots (air-to-water,
Reid's, U.S); punctuation that ends a phrase (, ; : brackets quotes ! ? a spaced dash, a full stop)
and numbers are tokens of their own, so callers can tell words from breaks by the first character.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_TOKEN = re.compile(
    r"[^\W\d_][\w'’&-]*+(?:\.\w+)*+"
    r"|[,;:()\[\]{}\"“”!?…|/]|(?<=\s)[-–—](?=\s)|\.(?=\s|$)|\d[\d.,]*+%?",
    re.UNICODE,
)


def tokenize(sentences: Sequence[str]) -> list[list[str]]:
    """Each sentence's tokens, in order."""
    findall = _TOKEN.findall
    return [findall(sentence) for sentence in sentences]

"""What counts as a word, in every script, so word budgets and counts mean the same for all input.

The rule (nothing to download, no dictionary):
- in scripts written with spaces, a word is a run of characters between spaces, and a run longer than
  LONGEST_WORD characters (a pasted hash, a 10 MB "word") counts one word per LONGEST_WORD characters;
- each Han character, hiragana or katakana counts as one word (Chinese and Japanese use no spaces; a
  character is the unit their own word counts use);
- Thai, Lao, Khmer and Myanmar, also written without spaces, count one word per SYLLABIC_WORD characters
  (their words average about that many), a space between them ending a phrase or a sentence;
- punctuation of those scripts (。、「」！？ and the full-width forms) is no word.
"""

from __future__ import annotations

import re

LONGEST_WORD = 50
SYLLABIC_WORD = 4

_IDEOGRAPHIC = (  # kana, Han (with the extensions and compatibility forms), half-width katakana
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
_SYLLABIC = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_EAST_ASIAN_PUNCTUATION = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_WORD = re.compile(
    rf"[{_IDEOGRAPHIC}]"
    rf"|[{_SYLLABIC}]{{1,{SYLLABIC_WORD}}}"
    rf"|[^\s{_IDEOGRAPHIC}{_SYLLABIC}{_EAST_ASIAN_PUNCTUATION}]{{1,{LONGEST_WORD}}}"
)
_PIECE = re.compile(rf"\S{{1,{LONGEST_WORD}}}")
# Sentence ends of scripts without spaces, with the closing quotes and brackets that follow them.
_EAST_ASIAN_SENTENCE_END = re.compile(r"[。！？]+[」』）〕】〉》”’]*")
_EAST_ASIAN_CLOSE = re.compile(r"[。！？][」』）〕】〉》”’]*$")
# A pattern opening with a character set is scanned for it in C; a leading lookbehind runs everywhere.
_BETWEEN_SYLLABIC = re.compile(rf"[{_SYLLABIC}]\s+(?=[{_SYLLABIC}])")


def count_words(text: str) -> int:
    """How many words `text` holds by the rule above."""
    return _WORD.subn("", text)[1]  # counted in C, without a list of the words


def word_pieces(text: str) -> list[str]:
    """The space-separated runs of `text`, those over LONGEST_WORD characters cut into pieces of that
    length: what a tokenizer is given, so one huge run costs no more than as many ordinary words."""
    return _PIECE.findall(text)


def first_words(text: str, limit: int) -> str:
    """`text` cut after its first `limit` words (the whole text if it has no more)."""
    if limit <= 0:
        return ""
    end = 0
    for number, word in enumerate(_WORD.finditer(text), start=1):
        end = word.end()
        if number == limit:
            break
    return text[:end]


def joined(sentences: list[str]) -> str:
    """Sentences as one text: a space after each, but none after 。！？ (those scripts put none)."""
    return "".join(
        sentence + ("" if number == len(sentences) or _EAST_ASIAN_CLOSE.search(sentence) else " ")
        for number, sentence in enumerate(sentences, start=1)
    )


def east_asian_sentences(text: str) -> list[str]:
    """`text` split after each 。！？ and at the spaces that part Thai, Lao, Khmer or Myanmar phrases;
    text without them comes back whole (Punkt splits what is left)."""
    text = _EAST_ASIAN_SENTENCE_END.sub(lambda end: end.group() + "\n", text)
    text = _BETWEEN_SYLLABIC.sub(lambda space: space.group()[0] + "\n", text)
    return [part for part in text.split("\n") if part.strip()]

"""Sentence segmentation with Punkt (abbreviations, decimals, quotes), aware of headings and paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import punkt

from precis_summarizer.words import LONGEST_WORD, count_words, east_asian_sentences

_TERMINAL = tuple(".!?:;,\"')]”’…。！？」』）")
_HEADING_MAX_WORDS = 12
_SPACE = re.compile(r"\s")
# A list item ("- ", "* ", "• ", "1. ", "2) ") is a unit of its own; its marker is not part of its text.
_LIST_MARKER = re.compile(r"^(?:[-*•‣◦]|\d{1,2}[.)])\s+(?=\S)")
# Scraped text often loses the break between paragraphs ("the race.Dr Venter"); Punkt needs the space.
# It opens with the stop, not a lookbehind, so the scan for it runs in C (a 10 MB line took 2 s, now 0.1 s).
_GLUED_SENTENCES = re.compile(r"[.!?](?<=[a-z]{2}[.!?])[\"”’]?(?=[A-Z][a-z])")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document, with where it stands in the text."""

    text: str
    index: int
    paragraph: int
    heading: bool = False
    section: int = 0

    @cached_property
    def words(self) -> int:
        return count_words(self.text)


@lru_cache(maxsize=4)
def _tokenizer(language: str) -> punkt.PunktSentenceTokenizer:
    return punkt.PunktSentenceTokenizer(punkt.load_model(language))


def split_sentences(text: str, language: str = "english") -> list[str]:
    """The sentences of one block of running text (Chinese, Japanese and Thai ones too)."""
    tokenizer = _tokenizer(language)
    return [
        sentence.strip()
        for part in east_asian_sentences(_GLUED_SENTENCES.sub(r"\g<0> ", text))
        # Punkt ends a sentence only before a space: a part without one (a huge "word") is one sentence.
        for sentence in (tokenizer.tokenize(part) if _SPACE.search(part.strip()) else [part])
        if sentence.strip()
    ]


def _is_heading(line: str, lone: bool) -> bool:
    """A short line without closing punctuation that is set apart (its own paragraph, or upper case)."""
    if len(line) > _HEADING_MAX_WORDS * (LONGEST_WORD + 1):  # too long to be 12 words, without counting
        return False
    words = count_words(line)
    if not words or words > _HEADING_MAX_WORDS or line.endswith(_TERMINAL):
        return False
    return lone or line.isupper()


def _blocks(text: str) -> list[tuple[str, bool]]:
    """Paragraphs (blank-line separated) as (text, is_heading); heading lines and list items split off."""
    blocks: list[tuple[str, bool]] = []
    for paragraph in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
        running: list[str] = []
        for line in lines:
            marker = _LIST_MARKER.match(line)
            heading = not marker and _is_heading(line, lone=len(lines) == 1)
            if (marker or heading) and running:
                blocks.append((" ".join(running), False))
                running = []
            if heading:
                blocks.append((line, True))
            else:
                running.append(line[marker.end() :] if marker else line)
        if running:
            blocks.append((" ".join(running), False))
    return blocks


def segment(text: str, language: str = "english") -> list[Sentence]:
    """Every sentence of a document in order; titles and section headings are kept but flagged."""
    sentences: list[Sentence] = []
    section = 0
    for paragraph, (block, heading) in enumerate(_blocks(text)):
        section += heading
        parts = [block] if heading else split_sentences(block, language)
        for part in parts:
            sentences.append(Sentence(part, len(sentences), paragraph, heading, section))
    return sentences

"""Sentence segmentation with Punkt (abbreviations, decimals, quotes), aware of headings and paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import punkt

_TERMINAL = tuple(".!?:;,\"')]”’…")
_HEADING_MAX_WORDS = 12
# A list item ("- ", "* ", "• ", "1. ", "2) ") is a unit of its own; its marker is not part of its text.
_LIST_MARKER = re.compile(r"^(?:[-*•‣◦]|\d{1,2}[.)])\s+(?=\S)")
# Scraped text often loses the break between paragraphs ("the race.Dr Venter"); Punkt needs the space.
_GLUED_SENTENCES = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])|(?<=[a-z]{2}[.!?][\"”’])(?=[A-Z][a-z])")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document, with where it stands in the text."""

    text: str
    index: int
    paragraph: int
    heading: bool = False
    section: int = 0

    @property
    def words(self) -> int:
        return len(self.text.split())


@lru_cache(maxsize=4)
def _tokenizer(language: str) -> punkt.PunktSentenceTokenizer:
    return punkt.PunktSentenceTokenizer(punkt.load_model(language))


def split_sentences(text: str, language: str = "english") -> list[str]:
    """The sentences of one block of running text."""
    text = _GLUED_SENTENCES.sub(" ", text)
    return [s.strip() for s in _tokenizer(language).tokenize(text) if s.strip()]


def _is_heading(line: str, lone: bool) -> bool:
    """A short line without closing punctuation that is set apart (its own paragraph, or upper case)."""
    words = line.split()
    if not words or len(words) > _HEADING_MAX_WORDS or line.endswith(_TERMINAL):
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

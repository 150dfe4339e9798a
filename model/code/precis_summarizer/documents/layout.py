"""From a paged document's lines to the paragraphs of its article.

What a page adds that the article does not say is removed: running headers and footers (a line repeated
at the top or bottom of most pages, its numbers aside), page numbers, words hyphenated at a line's end
(joined again), line breaks inside paragraphs, and the references section with everything after it up to
an appendix.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter

# Lines looked at for furniture at each end of a page.
_EDGE_LINES = 2
# A line at a page's edge on at least this share of the pages (and on two or more) is a running one.
_RUNNING_SHARE = 0.5
_PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?(?:\d{1,5}|[ivxlc]{1,8})(?:\s*(?:of|/)\s*\d{1,5})?$|^[-–—]\s*\d{1,5}\s*[-–—]$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_REFERENCES = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})*\.?\s+)?(?:references|bibliography|works cited|literature cited|"
    r"references and notes|notes and references|sources)\s*:?$",
    re.IGNORECASE,
)
_APPENDIX = re.compile(r"^(?:appendix|appendices|annex)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?:;\"'”’)\]]$")
_SOFT_HYPHEN = "\u00ad"


def paged_text(pages: list[str]) -> str:
    """The article in `pages` (each page's extracted text, lines in reading order) as paragraphs."""
    page_lines = [[line.strip() for line in page.replace(_SOFT_HYPHEN, "").splitlines()] for page in pages]
    page_lines = [[line for line in lines if line] for lines in page_lines]
    running = _running_lines(page_lines)
    lines = [
        line
        for page in page_lines
        for n, line in enumerate(page)
        if not (_at_edge(n, len(page)) and (_furniture_key(line) in running or _PAGE_NUMBER.match(line)))
    ]
    return "\n\n".join(without_references(_paragraphs(lines)))


def without_references(paragraphs: list[str]) -> list[str]:
    """`paragraphs` without a references section: from its heading (past the first fifth of the text)
    to an appendix heading or the end."""
    kept: list[str] = []
    skipping = False
    start = max(1, len(paragraphs) // 5)
    for n, paragraph in enumerate(paragraphs):
        heading = paragraph.strip()
        if n >= start and _REFERENCES.match(heading):
            skipping = True
        elif skipping and len(heading) < 80 and _APPENDIX.match(heading):
            skipping = False
        if not skipping:
            kept.append(paragraph)
    return kept


def _at_edge(index: int, count: int) -> bool:
    return index < _EDGE_LINES or index >= count - _EDGE_LINES


def _furniture_key(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.lower().split()))


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Edge lines (numbers aside) found on most pages."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({_furniture_key(line) for n, line in enumerate(page) if _at_edge(n, len(page))})
    needed = max(2, _RUNNING_SHARE * len(pages))
    return {key for key, count in seen.items() if count >= needed}


def _paragraphs(lines: list[str]) -> list[str]:
    """Lines joined into paragraphs: a short line ends one (the last line of a paragraph, a heading),
    and so does a line before a heading-like one; a hyphen at a line's end before a lower-case letter
    joins the word's halves."""
    long_lines = [len(line) for line in lines if len(line) > 30]
    full = statistics.median(long_lines) if long_lines else 60
    paragraphs: list[str] = []
    current = ""
    for n, line in enumerate(lines):
        if current.endswith("-") and len(current) > 1 and current[-2].isalpha() and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
        following = lines[n + 1] if n + 1 < len(lines) else ""
        if not following or _ends_paragraph(line, following, full):
            paragraphs.append(current)
            current = ""
    return paragraphs


def _ends_paragraph(line: str, following: str, full: float) -> bool:
    if line.endswith("-") or following[:1].islower():
        return False
    if len(line) < 0.8 * full:
        return True
    heading_next = len(following) < 0.5 * full and not _SENTENCE_END.search(following)
    return bool(_SENTENCE_END.search(line)) and heading_next and following[:1].isupper()

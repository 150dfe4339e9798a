"""Plain text out of HTML (BeautifulSoup) and Markdown (markdown-it, then the HTML path).

Both parsers are imported on first use: most requests are plain text, and start-up time counts.
"""

from __future__ import annotations

import itertools
import re
from functools import cache

_NOT_CONTENT = ("script", "style", "noscript", "template", "svg", "nav", "footer", "aside", "form", "button")
_BLOCKS = (
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6",
    "li", "ul", "ol", "blockquote", "pre", "table", "tr", "td", "th", "figcaption", "dd", "dt", "title",
)  # fmt: skip
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_BLOCK_END = object()  # marks, on the walk's stack, where a block element's children end


def html_to_text(html: str) -> str:
    """Visible text, one paragraph per block element, so headings stay apart from sentences.

    One walk over the parsed tree (no edits to it: inserting into a long list of siblings is
    quadratic), with its own stack, so deep nesting cannot reach Python's recursion limit."""
    from bs4 import BeautifulSoup, CData, NavigableString, Tag

    visible = (NavigableString, CData)  # not comments, doctypes or processing instructions
    parts: list[str] = []
    pending: list[object] = list(reversed(BeautifulSoup(html, "html.parser").contents))
    while pending:
        node = pending.pop()
        if node is _BLOCK_END:
            parts.append("\n\n")
        elif isinstance(node, str):
            if type(node) in visible:
                parts.append(node)
        elif isinstance(node, Tag) and node.name not in _NOT_CONTENT:
            if node.name == "br":
                parts.append("\n")
            elif node.name in _BLOCKS:
                parts.append("\n\n")
                pending.append(_BLOCK_END)
            pending.extend(reversed(node.contents))
    return tidy("".join(parts))


def markdown_to_html(markdown: str) -> str:
    return _markdown().render(markdown)


def tag_count(html: str, stop_at: int) -> int:
    """How many tags the HTML opens or closes, counted up to `stop_at` (a cheap scan before parsing)."""
    return sum(1 for _ in itertools.islice(_TAG_START.finditer(html), stop_at))


@cache
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def tidy(text: str) -> str:
    """Collapses runs of spaces and blank lines; keeps paragraph breaks."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()

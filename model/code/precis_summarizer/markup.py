"""Plain text out of HTML (BeautifulSoup) and Markdown (markdown-it, then the HTML path).

Both parsers are imported on first use: most requests are plain text, and start-up time counts.
"""

from __future__ import annotations

import re
from functools import cache

_NOT_CONTENT = ("script", "style", "noscript", "template", "svg", "nav", "footer", "aside", "form", "button")
_BLOCKS = (
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6",
    "li", "ul", "ol", "blockquote", "pre", "table", "tr", "td", "th", "figcaption", "dd", "dt", "title",
)  # fmt: skip
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Visible text, one paragraph per block element, so headings stay apart from sentences."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup.find_all(_NOT_CONTENT):
        hidden.decompose()
    for line_break in soup.find_all("br"):
        line_break.replace_with("\n")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n\n")
        block.insert_after("\n\n")
    return tidy(soup.get_text())


def markdown_to_text(markdown: str) -> str:
    return html_to_text(_markdown().render(markdown))


@cache
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def tidy(text: str) -> str:
    """Collapses runs of spaces and blank lines; keeps paragraph breaks."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()

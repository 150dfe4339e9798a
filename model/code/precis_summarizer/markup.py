"""Plain text out of HTML (BeautifulSoup) and Markdown (markdown-it, then the HTML path).

Both parsers are imported on first use: most requests are plain text, and start-up time counts.
Where a parser would lose text (markdown-it skips everything after its nesting limit; past
MAX_MARKUP_TAGS the tree would cost too much memory), the text is read without it instead.
"""

from __future__ import annotations

import html as entities
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
# markdown-it stops parsing, silently, at this depth (a list level costs two): past it the text is
# read as plain text. Each level costs a few Python frames, so this stays far from the recursion limit.
_MARKDOWN_NESTING = 100
# A tag, a comment or a declaration, read without a parser (never past the next "<": linear time).
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*>|<[!?][^<>]*>")


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


def markdown_text(markdown: str, max_tags: int) -> str:
    """The text of a Markdown document: rendered and read as HTML, or read as it is where markdown-it
    would stop at its nesting limit (it drops the rest of the document) or renders too many elements."""
    parser = _markdown()
    try:
        tokens = parser.parse(markdown)
    except RecursionError:
        return tidy(markdown)
    if any(token.level >= _MARKDOWN_NESTING - 2 for token in tokens):
        return tidy(markdown)
    return html_text(parser.renderer.render(tokens, parser.options, {}), max_tags)


def html_text(html: str, max_tags: int) -> str:
    """`html_to_text`, or for a document over `max_tags` tags (a parse tree that would cost too much
    memory) its text read without a parser: unseen elements dropped, block tags breaking paragraphs."""
    if tag_count(html, stop_at=max_tags + 1) <= max_tags:
        return html_to_text(html)
    parts: list[str] = []
    position, hidden = 0, ""
    for tag in _TAG.finditer(html):
        closing, name = tag.group(1), (tag.group(2) or "").lower()
        if not hidden:
            parts.append(html[position : tag.start()])
        position = tag.end()
        if hidden:
            hidden = "" if closing and name == hidden else hidden
        elif name in _NOT_CONTENT and not closing and not tag.group().endswith("/>"):
            hidden = name
        elif name in _BLOCKS or name == "br":
            parts.append("\n\n")
    if not hidden:
        parts.append(html[position:])
    return tidy(entities.unescape("".join(parts)))


def tag_count(html: str, stop_at: int) -> int:
    """How many tags the HTML opens or closes, counted up to `stop_at` (a cheap scan before parsing)."""
    return sum(1 for _ in itertools.islice(_TAG_START.finditer(html), stop_at))


@cache
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"maxNesting": _MARKDOWN_NESTING})


def tidy(text: str) -> str:
    """Collapses runs of spaces and blank lines; keeps paragraph breaks."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()

"""Metadata an article carries inside itself: HTML `<meta>` tags, Markdown front matter, JSON fields.

The values are returned as found (the record function parses dates and decides which source wins, see
docs/ARCHITECTURE.md); nothing here ever fails a request.
"""

from __future__ import annotations

import html
import re
from typing import Any

# The fields a record keeps (the JSON article's names; `id` is the article's own identifier).
FIELDS = ("title", "id", "url", "source", "authors", "published")
_MAX_CHARS = 500
_HEAD_CHARS = 256 * 1024
_META = re.compile(r"<meta\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([a-zA-Z:_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# <meta> names and properties, the first found of each field winning.
_HTML_META = {
    "og:title": "title",
    "twitter:title": "title",
    "citation_title": "title",
    "article:published_time": "published",
    "citation_publication_date": "published",
    "date": "published",
    "dc.date": "published",
    "author": "authors",
    "article:author": "authors",
    "citation_author": "authors",
    "og:url": "url",
    "og:site_name": "source",
}
_FRONT_MATTER = re.compile(
    r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL
)
_FRONT_MATTER_KEYS = {
    "title": "title",
    "date": "published",
    "published": "published",
    "author": "authors",
    "authors": "authors",
    "url": "url",
    "source": "source",
    "id": "id",
}


def html_metadata(page: str) -> dict[str, Any]:
    """Title (og:title, else <title>), published, authors, url and source from an HTML page's head."""
    head = page[:_HEAD_CHARS]
    found: dict[str, Any] = {}
    for match in _META.finditer(head):
        attributes = {
            name.lower(): html.unescape(next((v for v in values if v), ""))
            for name, *values in _ATTRIBUTE.findall(match.group(1))
        }
        field = _HTML_META.get((attributes.get("property") or attributes.get("name") or "").lower())
        value = _clean(attributes.get("content", ""))
        if not field or not value:
            continue
        if field == "authors":
            found.setdefault("authors", []).append(value)
        else:
            found.setdefault(field, value)
    if "title" not in found and (title := _TITLE.search(head)):
        text = _clean(html.unescape(_TAG.sub(" ", title.group(1))))
        if text:
            found["title"] = text
    return found


def split_front_matter(markdown: str) -> tuple[dict[str, Any], str]:
    """A Markdown file's front matter (`---` lines around `key: value` lines) read as metadata, and the
    Markdown after it; ({}, markdown) when there is none."""
    match = _FRONT_MATTER.match(markdown)
    if not match:
        return {}, markdown
    found: dict[str, Any] = {}
    for line in match.group(1).splitlines():
        key, colon, value = line.partition(":")
        field = _FRONT_MATTER_KEYS.get(key.strip().lower())
        value = value.strip()
        if not colon or not field or not value:
            continue
        if field == "authors":
            names = value.strip("[]").split(",")
            found["authors"] = [name for name in (_clean(n.strip("'\" ")) for n in names) if name]
        else:
            found[field] = _clean(value.strip("'\""))
    return found, markdown[match.end() :]


def json_metadata(article: dict[str, Any]) -> dict[str, Any]:
    """The metadata fields of a JSON article, where they hold text (authors: a string or a list)."""
    found: dict[str, Any] = {}
    for name in FIELDS:
        value = article.get(name)
        if name == "authors" and isinstance(value, list):
            names = [_clean(item) for item in value if isinstance(item, str) and item.strip()]
            if names:
                found[name] = names[:50]
        elif isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            text = _clean(str(value))
            found[name] = [text] if name == "authors" else text
    return found


def _clean(value: str) -> str:
    text = " ".join(value.split())
    return text if len(text) <= _MAX_CHARS else text[: _MAX_CHARS - 1] + "…"

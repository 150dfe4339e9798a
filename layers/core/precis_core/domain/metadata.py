"""What an article says about itself (title, id, url, source, authors, published), read the same way
wherever it comes from, and which source wins (docs/ARCHITECTURE.md, Records).

Read at submit: the object's S3 user metadata (`x-amz-meta-*`, what `precis submit --title` sets) and a
JSON article's fields. Read by the endpoint and stored at record: what is inside the document (HTML
`<meta>`, Markdown front matter, PDF and Word properties). Explicit metadata (S3, JSON) wins over what a
document carries, which wins over a title guessed from the text. A date that does not parse is noted on
the record (`published_note`), never fatal. A record whose article has no date of its own is filed
under the day it was submitted (`published_source` SUBMITTED, so the by-published index holds every
record); the document's own date, once the endpoint has read it, replaces that stand-in.
"""

from __future__ import annotations

import email.header
import email.utils
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

# The fields, by the JSON article's names; `id` is kept as `article_id` (document_id is the record's key).
FIELDS = ("title", "id", "url", "source", "authors", "published")
S3_METADATA = "s3 metadata"
JSON_FIELDS = "json"
# Sources a user set on purpose: a title from one is never replaced by the document's own.
EXPLICIT = frozenset({S3_METADATA, JSON_FIELDS})
# The source of a `published` that is only the submission day (the article carried no date of its own).
SUBMITTED = "submitted"
# Where the endpoint found a document's metadata, by the content type it read.
DOCUMENT_ORIGINS = {
    "application/pdf": "pdf properties",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx properties",
    "text/html": "html meta",
    "text/markdown": "markdown front matter",
    "application/json": JSON_FIELDS,
}
MAX_CHARS = 500
MAX_AUTHORS = 50
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?")
_FORMATS = ("%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%Y/%m/%d", "%B %Y", "%Y%m%d")


@dataclass(frozen=True)
class ArticleMetadata:
    """The record attributes of an article's metadata; None where unknown."""

    title: str | None = None
    title_source: str | None = None
    article_id: str | None = None
    url: str | None = None
    source: str | None = None
    authors: list[str] | None = None
    published: str | None = None  # an ISO date, YYYY-MM-DD
    published_source: str | None = None
    published_note: str | None = None  # a published value that is not a date, and where it came from

    def to_record(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def over(self, other: ArticleMetadata) -> ArticleMetadata:
        """These values, and `other`'s where these have none (a note only when no date was found)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        merged = replace(other, **{name: value for name, value in values.items() if value is not None})
        if merged.published is not None and merged.published_source != SUBMITTED:
            merged = replace(merged, published_note=None)
        return merged


def from_fields(found: Mapping[str, Any], origin: str) -> ArticleMetadata:
    """The metadata in `found` (keys as FIELDS), read from `origin` (a source's name)."""
    title = _text(found.get("title"))
    published = found.get("published")
    day = parse_date(published) if published is not None else None
    note = None
    if published is not None and day is None and str(published).strip():
        note = f"published {_text(published)!r} ({origin}) is not a date precis reads"
    return ArticleMetadata(
        title=title,
        title_source=origin if title else None,
        article_id=_text(found.get("id")),
        url=_text(found.get("url")),
        source=_text(found.get("source")),
        authors=_authors(found.get("authors")),
        published=day.isoformat() if day else None,
        published_source=origin if day else None,
        published_note=note,
    )


def from_s3(user_metadata: Mapping[str, str]) -> ArticleMetadata:
    """The object's user metadata (`x-amz-meta-title`… as boto3 returns it, keys without the prefix);
    values may be RFC 2047 encoded words, as S3 returns non-ASCII metadata."""
    found = {key.lower(): _decoded(value) for key, value in user_metadata.items()}
    return from_fields(found, S3_METADATA)


def from_document(document: Mapping[str, Any] | None, content_type: str | None) -> ArticleMetadata:
    """The metadata the endpoint returned beside the summary (its output's `document`)."""
    if not document:
        return ArticleMetadata()
    media_type = (content_type or "").split(";")[0].strip().lower()
    return from_fields(document, DOCUMENT_ORIGINS.get(media_type, "document"))


def for_record(current: ArticleMetadata, document: ArticleMetadata) -> ArticleMetadata:
    """What the record keeps once the endpoint has read the document: explicit values stay; the
    document's own title replaces one guessed from the text, its own date the submission day; other
    fields fill only what is missing."""
    if current.title_source in EXPLICIT or not document.title:
        document = replace(document, title=None, title_source=None)
    if current.published_source == SUBMITTED and document.published:
        current = replace(current, published=None, published_source=None)
    kept = replace(current, title=None, title_source=None) if document.title else current
    return kept.over(document)


def parse_date(value: Any) -> date | None:
    """A calendar date from ISO 8601, a PDF date (D:YYYYMMDD…), an e-mail date or a written-out one
    ("3 March 2026", "March 3, 2026"); None if it is none of these."""
    text = " ".join(str(value).split())[:100]
    if not text:
        return None
    readers = (_iso_date, _pdf_date, _mail_date, *(_written_date(pattern) for pattern in _FORMATS))
    for read in readers:
        try:
            day = read(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if day is not None and 1000 <= day.year <= 9999:
            return day
    return None


def _iso_date(text: str) -> date:
    return datetime.fromisoformat(text).date()


def _pdf_date(text: str) -> date | None:
    match = _PDF_DATE.match(text)
    if not match:
        return None
    return date(int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1))


def _mail_date(text: str) -> date:
    return email.utils.parsedate_to_datetime(text).date()


def _written_date(pattern: str) -> Callable[[str], date]:
    return lambda text: datetime.strptime(text, pattern).date()


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = " ".join(str(value).split())
    if not text:
        return None
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def _authors(value: Any) -> list[str] | None:
    names = value if isinstance(value, list) else str(value).split(";") if isinstance(value, str) else []
    cleaned = [name for name in (_text(item) for item in names[:MAX_AUTHORS]) if name]
    return cleaned or None


def s3_value(value: str) -> str:
    """A user metadata value S3 can carry in a header: ASCII as it is, else an RFC 2047 encoded word
    (which `from_s3` decodes)."""
    text = " ".join(value.split())
    return text if text.isascii() else email.header.Header(text, "utf-8").encode()


def _decoded(value: str) -> str:
    """An RFC 2047 encoded word (=?UTF-8?B?...?=) decoded; other values as they are."""
    if "=?" not in value:
        return value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return value

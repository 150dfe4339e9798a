"""What a body really is, from its first bytes: a PDF, a Word document, an HTML page, or text.

A file's name (and so its content type) can be wrong: a PDF saved as `.txt` would otherwise be
summarized as PDF operators, an HTML page as raw tags. The layer's precis_core.domain.sniff decides the same
way at upload (tests/unit/test_sniff.py keeps the two equal).
"""

from __future__ import annotations

import re
from enum import StrEnum

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"

_ZIP = b"PK\x03\x04"
# An HTML document starts (after a BOM, blanks and comments) with a doctype or an <html>/<head>/<body> tag.
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)


class Kind(StrEnum):
    PDF = PDF
    DOCX = DOCX
    HTML = HTML


def sniff(start: bytes) -> Kind | None:
    """The kind the first bytes show, or None for anything else (text, JSON, Markdown)."""
    if start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return Kind.PDF
    if start.startswith(_ZIP):
        return Kind.DOCX
    if _HTML_START.match(start[:4096]):
        return Kind.HTML
    return None


def label(media_type: str) -> str:
    """A content type as a user knows the file: "a PDF", "a Word document", "HTML", "plain text"."""
    return {
        PDF: "a PDF",
        DOCX: "a Word document (.docx)",
        HTML: "HTML",
        "text/plain": "plain text",
        "text/markdown": "Markdown",
        "application/json": "JSON",
    }.get(media_type, media_type)


def actual_type(declared: str, start: bytes) -> str:
    """The media type to read a body as: what it is when its first bytes say so unmistakably (a PDF or
    Word file whatever its name, an HTML page sent as text or JSON), else `declared`. A body declared a
    PDF or a Word document that is not one raises MismatchedType naming both."""
    kind = sniff(start)
    if declared in (PDF, DOCX) and kind != declared:
        shown = label(kind) if kind else f"something else (it starts with {start[:12]!r})"
        raise MismatchedType(f"the file is named as {label(declared)} but is {shown}")
    if kind in (Kind.PDF, Kind.DOCX) or (
        kind is Kind.HTML and declared in ("text/plain", "application/json")
    ):
        return kind.value
    return declared


class MismatchedType(ValueError):
    """The content is not what its name (content type) says, and cannot be read as either."""

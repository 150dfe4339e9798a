"""What an upload really is, from its first bytes: a PDF, a Word document, an HTML page, or text.

The inference script's own copy is model/code/precis_summarizer/documents/sniff.py (the layer and the
model archive ship apart and cannot import each other); tests/unit/test_sniff.py keeps the two equal.
A file that is unmistakably a PDF, a Word document or an HTML page is sent to the endpoint as that
whatever its name; a `.pdf` or `.docx` that is not one is refused naming the mismatch.
"""

from __future__ import annotations

import re

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
BINARY_TYPES = (PDF, DOCX)

_ZIP = b"PK\x03\x04"
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_LABELS = {
    PDF: "a PDF",
    DOCX: "a Word document (.docx)",
    HTML: "HTML",
    "text/plain": "plain text",
    "text/markdown": "Markdown",
    "application/json": "JSON",
}


class MismatchedType(ValueError):
    """The content is not what its name says, and cannot be read as either."""


def sniff(start: bytes) -> str | None:
    """The media type the first bytes show (PDF, DOCX, HTML), or None for anything else."""
    if start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return PDF
    if start.startswith(_ZIP):
        return DOCX
    if _HTML_START.match(start[:4096]):
        return HTML
    return None


def actual_type(declared: str, start: bytes) -> str:
    """The media type to send the body as (see the module's docstring); MismatchedType for a .pdf or
    .docx that is not one."""
    kind = sniff(start)
    if declared in BINARY_TYPES and kind != declared:
        shown = _LABELS[kind] if kind else f"something else (it starts with {start[:12]!r})"
        raise MismatchedType(f"the file is named as {_LABELS[declared]} but is {shown}")
    if kind in BINARY_TYPES or (kind == HTML and declared in ("text/plain", "application/json")):
        return kind
    return declared

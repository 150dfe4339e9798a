"""Text and metadata out of a Word document (.docx) with the standard library's zipfile and defusedxml.

A .docx is a zip of XML parts. Only two are read: the body (`word/document.xml`) and the core
properties (`docProps/core.xml`); headers, footers, footnotes and comments live in parts of their own
and so never reach the summary. The sizes the zip declares are checked against MAX_DOCX_XML_BYTES before
anything is decompressed, and decompression stops at that limit whatever the zip declared (a zip bomb).
The XML parser refuses DTDs and entities (defusedxml), and the body is parsed as a stream, paragraph by
paragraph, so memory stays flat however long the document is.
"""

from __future__ import annotations

import time
import zipfile
from io import BytesIO
from typing import Any

from precis_summarizer.deadline import Deadline
from precis_summarizer.documents.extracted import Extracted, RefusedDocument
from precis_summarizer.documents.layout import without_references
from precis_summarizer.documents.limits import MAX_DOCX_XML_BYTES, MAX_EXTRACTION_SECONDS

BODY = "word/document.xml"
CORE = "docProps/core.xml"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CORE_FIELDS = {
    "{http://purl.org/dc/elements/1.1/}title": "title",
    "{http://purl.org/dc/elements/1.1/}creator": "authors",
    "{http://purl.org/dc/terms/}created": "published",
}


def read_docx(body: bytes, deadline: Deadline) -> Extracted:
    """The article in a .docx, or RefusedDocument saying why it cannot be read."""
    try:
        archive = zipfile.ZipFile(BytesIO(body))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise RefusedDocument(
            f"the .docx file is damaged or truncated (not a readable zip): {error}"
        ) from error
    if BODY not in names:
        raise RefusedDocument(f"the file is a zip but not a Word document (it has no {BODY})")
    parts = [BODY] + ([CORE] if CORE in names else [])
    declared = sum(archive.getinfo(name).file_size for name in parts)
    if declared > MAX_DOCX_XML_BYTES:
        raise RefusedDocument(
            f"the .docx decompresses to {declared:,} bytes, over the {MAX_DOCX_XML_BYTES:,}-byte limit"
            " (a zip bomb?)"
        )
    try:
        xml = {name: _bounded_read(archive, name) for name in parts}
        paragraphs, title = _body_paragraphs(xml[BODY], deadline)
        metadata = _core_properties(xml[CORE]) if CORE in xml else {}
    except RefusedDocument:
        raise
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise RefusedDocument(f"the .docx file is damaged or truncated: {error}") from error
    except Exception as error:  # noqa: BLE001 - a parser error or a forbidden DTD: the document is refused
        raise RefusedDocument(f"the .docx XML could not be read: {type(error).__name__}: {error}") from error
    if title and "title" not in metadata:
        metadata["title"] = title
    return Extracted("\n\n".join(without_references(paragraphs)), metadata)


def _bounded_read(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as part:
        data = part.read(MAX_DOCX_XML_BYTES + 1)
    if len(data) > MAX_DOCX_XML_BYTES:
        raise RefusedDocument(
            f"the .docx part {name} decompresses to over {MAX_DOCX_XML_BYTES:,} bytes, "
            "the limit (a zip bomb?)"
        )
    return data


def _body_paragraphs(xml: bytes, deadline: Deadline) -> tuple[list[str], str | None]:
    """Each paragraph's text (runs, tabs and breaks) in document order, and the first Title-styled one."""
    from defusedxml.ElementTree import iterparse

    started = time.monotonic()
    paragraphs: list[str] = []
    title = None
    for count, (_, element) in enumerate(iterparse(BytesIO(xml), events=("end",)), start=1):
        if element.tag != f"{_W}p":
            continue
        if count % 2000 == 0:
            deadline.check("reading the .docx")
            if time.monotonic() - started > MAX_EXTRACTION_SECONDS:
                raise RefusedDocument(f"reading the .docx took over {MAX_EXTRACTION_SECONDS} s (the limit)")
        text = " ".join(_paragraph_text(element).split())
        style = element.find(f"{_W}pPr/{_W}pStyle")
        style_name = style.get(f"{_W}val", "") if style is not None else ""
        element.clear()
        if not text:
            continue
        if title is None and style_name.lower() == "title":
            title = text
        paragraphs.append(text)
    return paragraphs, title


def _paragraph_text(paragraph: Any) -> str:
    parts = []
    for node in paragraph.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
            parts.append(" ")
    return "".join(parts)


def _core_properties(xml: bytes) -> dict[str, Any]:
    from defusedxml.ElementTree import fromstring

    found: dict[str, Any] = {}
    for element in fromstring(xml):
        name = _CORE_FIELDS.get(element.tag)
        value = " ".join((element.text or "").split())
        if name and value:
            found[name] = [value] if name == "authors" else value
    return found

"""Text and metadata out of a PDF with pypdf (pure Python: nothing the Hugging Face container lacks).

Before any page is read the document is opened (cross-reference table and trailer only), decrypted when
it opens with an empty password, and its page tree walked without loading a page: a tree over
MAX_PDF_PAGES pages or MAX_PAGE_TREE_DEPTH levels is refused with the limit in the reason. Then each
page's text is extracted in the content stream's order (the order the writer typeset it), checking the
time between pages. pypdf (7.x) bounds what one stream may decompress to or parse (75 MB, its
Configuration defaults), so a small file cannot inflate without limit. JavaScript, forms, annotations
and embedded files are never read or run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from io import BytesIO
from typing import Any

from precis_summarizer.deadline import Deadline
from precis_summarizer.documents.extracted import Extracted, RefusedDocument
from precis_summarizer.documents.layout import paged_text
from precis_summarizer.documents.limits import (
    MAX_EXTRACTION_SECONDS,
    MAX_PAGE_TREE_DEPTH,
    MAX_PDF_PAGES,
)

SCANNED = (
    "no text layer (scanned PDF?): its pages hold no extractable text; run OCR on it and upload the result"
)


def read_pdf(body: bytes, deadline: Deadline) -> Extracted:
    """The article in a PDF, or RefusedDocument saying why it cannot be read."""
    with _problems_reported() as problems:
        reader, pages = _read_pages(body, deadline)
    text = paged_text(pages)
    if not text.strip() and problems:
        # pypdf (not strict) skips what it cannot parse and says so: nothing readable is left.
        raise RefusedDocument(
            f"the PDF could not be read (damaged, or built to exhaust a reader): {problems[0]}; "
            "no text was found"
        )
    if not text.strip():
        raise RefusedDocument(SCANNED)
    return Extracted(text, _metadata(reader), pages=len(pages))


def _read_pages(body: bytes, deadline: Deadline) -> tuple[Any, list[str]]:
    """The opened document and each page's text, after the checks of the module's docstring."""
    import pypdf
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    started = time.monotonic()
    try:
        reader = pypdf.PdfReader(BytesIO(body), strict=False)
        _decrypt(reader)
        catalog: Any = reader.trailer["/Root"]  # a dictionary in any PDF pypdf opened
        count = _check_page_tree(catalog["/Pages"])
        pages = []
        for number, page in enumerate(reader.pages, start=1):
            deadline.check("extracting the PDF's text")
            if time.monotonic() - started > MAX_EXTRACTION_SECONDS:
                raise RefusedDocument(
                    f"extracting the PDF's text took over {MAX_EXTRACTION_SECONDS} s "
                    f"(the limit), at page {number:,} of {count:,}"
                )
            pages.append(page.extract_text() or "")
    except RefusedDocument:
        raise
    except RecursionError as error:
        raise RefusedDocument("the PDF nests its objects too deeply to read (a PDF bomb?)") from error
    except FileNotDecryptedError as error:
        raise RefusedDocument(_ENCRYPTED) from error
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        reason = f"the PDF could not be read (damaged or truncated?): {_brief(error)}"
        raise RefusedDocument(reason) from error
    return reader, pages


@contextmanager
def _problems_reported() -> Iterator[list[str]]:
    """What pypdf logs as warnings on this thread meanwhile (it skips an object it cannot parse)."""
    problems: list[str] = []
    thread = threading.get_ident()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread and len(problems) < 10:
                problems.append(_brief(Exception(record.getMessage())))

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("pypdf")
    logger.addHandler(handler)
    try:
        yield problems
    finally:
        logger.removeHandler(handler)


_ENCRYPTED = "the PDF is encrypted (password-protected): upload a copy saved without a password"


def _decrypt(reader: Any) -> None:
    """A PDF encrypted only to set permissions opens with an empty password; one that needs a password
    (or a cipher this container cannot run) is refused as encrypted."""
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except Exception as error:  # noqa: BLE001 - a cipher pypdf cannot run here is still "encrypted"
        raise RefusedDocument(_ENCRYPTED) from error
    if not opened:
        raise RefusedDocument(_ENCRYPTED)


def _check_page_tree(root: Any) -> int:
    """The number of pages, walked without loading one; RefusedDocument past the limits."""
    from pypdf.generic import DictionaryObject

    declared = _resolved(root.get("/Count", 0))
    if isinstance(declared, int) and declared > MAX_PDF_PAGES:
        raise RefusedDocument(
            f"the PDF has {declared:,} pages, over the {MAX_PDF_PAGES:,} this endpoint reads"
        )
    pages = 0
    seen: set[int] = set()
    pending = [(root, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_PAGE_TREE_DEPTH:
            raise RefusedDocument(
                f"the PDF's page tree nests over {MAX_PAGE_TREE_DEPTH} levels (a PDF bomb?)"
            )
        kids = _resolved(node.get("/Kids")) if isinstance(node, DictionaryObject) else None
        if kids is None:
            pages += 1
            if pages > MAX_PDF_PAGES:
                raise RefusedDocument(
                    f"the PDF has over {MAX_PDF_PAGES:,} pages, the most this endpoint reads"
                )
            continue
        if id(node) in seen:
            raise RefusedDocument("the PDF's page tree loops back on itself")
        seen.add(id(node))
        pending.extend((_resolved(kid), depth + 1) for kid in kids)
    return pages


def _resolved(value: Any) -> Any:
    """An indirect reference's object (pypdf resolves on indexing, not on `get` or iteration)."""
    return value.get_object() if hasattr(value, "get_object") else value


def _metadata(reader: Any) -> dict[str, Any]:
    """Title, author and creation date from the document information dictionary, where present."""
    try:
        info = reader.metadata
        if info is None:
            return {}
        found: dict[str, Any] = {}
        if isinstance(info.title, str) and info.title.strip():
            found["title"] = info.title.strip()
        if isinstance(info.author, str) and info.author.strip():
            found["authors"] = [info.author.strip()]
        created = info.creation_date
        if isinstance(created, datetime):
            found["published"] = created.isoformat()
        return found
    except Exception:  # noqa: BLE001 - metadata is a bonus: a broken information dictionary costs none of the text
        return {}


def _brief(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"

"""Documents that are not plain text: PDF and Word files, read where the endpoint pays for it."""

from __future__ import annotations

from precis_summarizer.deadline import Deadline
from precis_summarizer.documents.docx import read_docx
from precis_summarizer.documents.extracted import Extracted, RefusedDocument
from precis_summarizer.documents.pdf import read_pdf
from precis_summarizer.documents.sniff import DOCX, PDF

DOCUMENT_TYPES = (PDF, DOCX)

__all__ = ["DOCUMENT_TYPES", "Extracted", "RefusedDocument", "read_document"]


def read_document(body: bytes, media_type: str, deadline: Deadline) -> Extracted:
    """The article in a PDF or .docx body; RefusedDocument with the reason when it cannot be read."""
    if media_type == PDF:
        return read_pdf(body, deadline)
    return read_docx(body, deadline)

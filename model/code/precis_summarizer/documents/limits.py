"""The most work one PDF or Word document may ask for, refused before any text is extracted.

The request's byte limit (precis_summarizer.limits.MAX_BODY_BYTES) bounds the file itself; these bound
what a small file can unfold into. Figures behind them: bench/pdf_extraction.py (docs/BENCHMARKS.md).
"""

from __future__ import annotations

# Pages of a PDF, as its page tree declares them and as they are walked (a lying /Count is caught).
MAX_PDF_PAGES = 500
# Levels of a PDF's page tree: a real one has a few; a deeper one is built to exhaust the reader.
MAX_PAGE_TREE_DEPTH = 32
# Seconds of text extraction for one document (the request's own deadline applies as well).
MAX_EXTRACTION_SECONDS = 60
# Bytes a .docx's body (word/document.xml) and core properties may decompress to, together.
MAX_DOCX_XML_BYTES = 64 * 1024 * 1024

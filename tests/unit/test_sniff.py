"""The upload check (precis_core.domain.sniff) and the endpoint (precis_summarizer.documents.sniff) decide the
same way what a file really is: a mislabelled file is sent and read as what it is, or refused by both."""

from __future__ import annotations

import pytest
from precis_core.domain import sniff as layer
from precis_summarizer.documents import sniff as endpoint

from precis import hostile_documents

BODIES = {
    "pdf": hostile_documents.text_pdf("A short text."),
    "docx": hostile_documents.text_docx("A short text."),
    "html": b"\xef\xbb\xbf  <!-- saved --><!DOCTYPE html><html><p>x</p></html>",
    "html body": b"<body><p>x</p></body>",
    "text": b"Plain words about <html> tags.",
    "json": b'{"text": "<html>"}',
    "markdown": b"# Title\n\n<div>inline html</div>",
    "png": b"\x89PNG\r\n\x1a\n",
}
DECLARED = ["text/plain", "text/markdown", "text/html", "application/json", layer.PDF, layer.DOCX]


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("declared", DECLARED)
def test_both_copies_agree(name, declared):
    body = BODIES[name]
    outcomes = []
    for module in (layer, endpoint):
        try:
            outcomes.append(("read as", str(module.actual_type(declared, body[:4096]))))
        except ValueError as mismatch:
            outcomes.append(("refused", str(mismatch)))
    assert outcomes[0] == outcomes[1]


def test_what_a_mislabelled_file_becomes():
    assert layer.actual_type("text/plain", BODIES["pdf"]) == layer.PDF
    assert layer.actual_type("text/plain", BODIES["html"]) == "text/html"
    assert layer.actual_type("text/markdown", BODIES["markdown"]) == "text/markdown"
    assert layer.actual_type("text/plain", BODIES["text"]) == "text/plain"
    with pytest.raises(layer.MismatchedType, match="named as a PDF but is a Word document"):
        layer.actual_type(layer.PDF, BODIES["docx"])

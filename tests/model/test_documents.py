"""PDF and Word documents as the inference script reads them: the article's text without the page's
furniture (running headers and footers, page numbers, line-end hyphens, references), the document's own
metadata, every limit refused with the limit in the reason, and hostile files refused clearly."""

from __future__ import annotations

import time

import pytest
from precis_summarizer.documents.layout import paged_text
from precis_summarizer.documents.limits import MAX_DOCX_XML_BYTES, MAX_PDF_PAGES
from precis_summarizer.request import MalformedRequest, parse_request

from precis import hostile_documents as hostile
from precis.inference_script import RequestContext
from precis.paths import samples_dir

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = (
    "The harbour authority opened a second ferry berth on Monday after eighteen months of works.\n\n"
    "Crossings to the island rise from six to ten a day, and the authority expects freight to double "
    "within three years as the new berth takes lorries that the old one could not.\n\n"
    "Residents of the island welcomed the change but asked for a later last crossing in summer."
)


def test_the_sample_pdf_reads_as_its_article_without_page_furniture():
    request = parse_request((samples_dir() / "field-report-cold-chain-sensors.pdf").read_bytes(), PDF)
    text = request.documents[0]
    # running header, "Page N of M" and the references section are gone
    assert "Vantmoor Pharmacy Cooperative - Field report" not in text
    assert "Page 1 of" not in text and "Page 2 of" not in text
    assert "Okafor" not in text and "References" not in text
    # words hyphenated at a line's end are whole again, and lines are joined into paragraphs
    for word in ("cooperative had no measurement", "one district as a comparison", "compromised stock"):
        assert word in text
    assert "\n\nMethod\n\n" in text
    assert text.endswith("once its novelty has worn off.")
    assert request.metadata == {
        "title": "Cold-chain sensors in regional pharmacy deliveries: a twelve-month field report",
        "authors": ["Vantmoor Pharmacy Cooperative"],
        "published": "2026-03-18T10:00:00+00:00",
    }


def test_the_sample_docx_reads_as_its_body_without_header_footer_or_references():
    request = parse_request(
        (samples_dir() / "briefing-harbour-district-flood-barrier.docx").read_bytes(), DOCX
    )
    text = request.documents[0]
    assert text.startswith(
        "Harbour district flood barrier: options for the council\n\nPurpose of this briefing"
    )
    assert "Cabinet briefing" not in text and "Page" not in text
    assert "Flood incident report" not in text
    assert request.metadata["title"] == "Harbour district flood barrier: options for the council"
    assert request.metadata["authors"] == ["Harbour Resilience Team"]
    assert request.metadata["published"] == "2025-12-02T09:00:00Z"


def test_running_lines_page_numbers_and_hyphens_are_removed_from_paged_text():
    words = [
        "alpha",
        "bravo",
        "charlie",
        "delta",
        "echo",
        "foxtrot",
        "golf",
        "hotel",
        "india",
        "juliet",
        "kilo",
        "lima",
        "mike",
    ]
    pages = []
    for n in range(1, 5):
        body = [
            f"Line {k} of page {n} talks about {words[(n * 3 + k) % len(words)]} in some detail here."
            for k in range(4)
        ]
        body[1] = f"Page {n} carries a word broken at the end of the col-"
        body[2] = "umn where it wraps as lines in printed reports do every time."
        pages.append("\n".join([f"Acme quarterly {2026} - confidential", *body, f"- {n} -"]))
    text = paged_text(pages)
    assert "Acme quarterly" not in text and "- 2 -" not in text
    assert "end of the column where it wraps" in text
    assert "Line 3 of page 4" in text


def test_a_references_section_is_cut_up_to_an_appendix():
    pages = [
        "Intro paragraph.\n\nBody one.\n\nBody two.\n\nBody three.\n\nReferences\n\n[1] A. Paper.\n\n"
        "Appendix A\n\nExtra tables described."
    ]
    text = paged_text([page.replace("\n\n", "\n") for page in pages])
    assert "A. Paper" not in text and "Appendix A" in text


def test_the_summary_output_carries_the_documents_metadata(inference, offline_model):
    body = hostile.text_pdf(TEXT, title="Second ferry berth opens")
    prediction = inference.predict_fn(inference.input_fn(body, PDF), offline_model)
    assert prediction["document"] == {"title": "Second ferry berth opens"}
    assert prediction["summary"] and prediction["words_in"] > 50


@pytest.mark.parametrize(
    ("name", "body", "content_type", "reason"),
    [
        ("scanned", hostile.scanned_pdf(), PDF, "no text layer (scanned PDF?)"),
        ("encrypted", hostile.encrypted_pdf(TEXT), PDF, "the PDF is encrypted (password-protected)"),
        ("page count", hostile.page_count_bomb(), PDF, f"2,000,000,000 pages, over the {MAX_PDF_PAGES:,}"),
        ("deep page tree", hostile.deep_page_tree(), PDF, "page tree nests over 32 levels"),
        ("nested objects", hostile.nested_objects(), PDF, "the PDF could not be read (damaged, or built to"),
        ("truncated pdf", hostile.truncated(hostile.text_pdf(TEXT)), PDF, "damaged or truncated"),
        ("truncated docx", hostile.truncated(hostile.text_docx(TEXT)), DOCX, "damaged or truncated"),
        ("zip bomb", hostile.docx_zip_bomb(), DOCX, f"1,073,741,824 bytes, over the {MAX_DOCX_XML_BYTES:,}"),
        ("entity bomb", hostile.docx_entity_bomb(), DOCX, "EntitiesForbidden"),
        ("not a pdf", b"Plain words.", PDF, "named as a PDF but is something else"),
        ("not a docx", hostile.text_pdf(TEXT), DOCX, "named as a Word document (.docx) but is a PDF"),
        ("zip, not word", hostile.zip_bytes({"a.txt": "x"}), DOCX, "not a Word document"),
    ],
)
def test_hostile_documents_are_refused_quickly_with_the_reason(name, body, content_type, reason):
    started = time.perf_counter()
    with pytest.raises(MalformedRequest) as refused:
        parse_request(body, content_type)
    assert reason in str(refused.value), name
    assert time.perf_counter() - started < 5, name


def test_javascript_in_a_pdf_is_never_run_and_its_text_is_read():
    request = parse_request(hostile.javascript_pdf(TEXT), PDF)
    assert "second ferry berth" in request.documents[0] and "app.alert" not in request.documents[0]


def test_a_pdf_encrypted_only_for_permissions_opens_with_the_empty_password():
    request = parse_request(hostile.encrypted_pdf(TEXT, password=""), PDF)
    assert "second ferry berth" in request.documents[0]


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (hostile.text_pdf(TEXT), "text/plain", "second ferry berth"),
        (hostile.text_docx(TEXT), "text/markdown", "second ferry berth"),
        (b"<!DOCTYPE html><html><body><p>Ferry <b>berth</b> opens.</p></body></html>", "text/plain", None),
    ],
)
def test_a_mislabelled_file_is_read_as_what_it_is(body, content_type, expected):
    text = parse_request(body, content_type).documents[0]
    if expected:
        assert expected in text and "%PDF" not in text and "PK" not in text[:2]
    else:
        assert text == "Ferry berth opens."


def test_html_meta_and_markdown_front_matter_are_read_as_metadata_and_not_summarized():
    page = (
        '<html><head><title>Site | Story</title><meta property="og:title" content="Ferry berth opens">'
        '<meta property="article:published_time" content="2026-05-04T06:00:00Z">'
        '<meta name="author" content="K. Lund"></head><body><p>The berth opened.</p></body></html>'
    )
    assert parse_request(page.encode(), "text/html").metadata == {
        "title": "Ferry berth opens",
        "published": "2026-05-04T06:00:00Z",
        "authors": ["K. Lund"],
    }
    front = "---\ntitle: Ferry berth opens\ndate: 2026-05-04\nauthors: [K. Lund, M. Ode]\n---\n"
    markdown = front + "\nThe berth opened."
    request = parse_request(markdown.encode(), "text/markdown")
    assert request.documents == ["The berth opened."]
    assert request.metadata == {
        "title": "Ferry berth opens",
        "published": "2026-05-04",
        "authors": ["K. Lund", "M. Ode"],
    }


def test_a_json_articles_fields_come_back_beside_the_summary():
    body = (
        b'{"id": "w-1", "title": "Berth", "source": "Wire", "published": "2026-05-04", "text": "It opened."}'
    )
    assert parse_request(body, "application/json").metadata == {
        "id": "w-1",
        "title": "Berth",
        "source": "Wire",
        "published": "2026-05-04",
    }


def test_custom_attributes_set_the_summary_parameters_over_the_bodys(inference, offline_model):
    context = RequestContext("trace=abc;sentences=2;target_words=90")
    body = b'{"text": "' + TEXT.replace("\n\n", " ").encode() + b'", "parameters": {"sentences": 4}}'
    request = inference.input_fn(body, "application/json", context)
    assert (request.parameters.sentences, request.parameters.target_words) == (2, 90)
    summary = inference.predict_fn(request, offline_model)["summary"]
    assert summary.count(". ") + 1 == 2
    with pytest.raises(MalformedRequest, match="sentences must be at most 50"):
        inference.input_fn(TEXT.encode(), "text/plain", RequestContext("sentences=51"))

"""An article's metadata through the submit and record functions: S3 user metadata and JSON fields read
at submit, the document's own (the endpoint's `document` output) added at record, dates parsed and a bad
one noted, never fatal; and PDF/Word uploads queued for the endpoint with their content types."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import unquote_plus

import pytest
from precis_core.adapters import clients
from precis_core.domain.ids import document_id, parse_inference_id, timestamp
from precis_core.domain.metadata import ArticleMetadata, for_record, from_s3, parse_date, s3_value
from precis_core.domain.models import Dispatch, S3Location, Status, SummaryRecord

from precis.inference_script import InferenceScript
from precis.paths import model_code_dir, project_root

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ARTICLE = b"Rates rise again.\n\nThe central bank raised its rate by a quarter point on Tuesday."


def doc_id_of(event) -> str:
    obj = event["Records"][0]["s3"]["object"]
    return document_id(
        event["Records"][0]["s3"]["bucket"]["name"], unquote_plus(obj["key"]), obj["versionId"]
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-18", date(2026, 3, 18)),
        ("2026-03-18T10:00:00Z", date(2026, 3, 18)),
        ("2026-03-18T23:30:00-05:00", date(2026, 3, 18)),
        ("D:20260318100000+01'00'", date(2026, 3, 18)),
        ("Wed, 18 Mar 2026 10:00:00 GMT", date(2026, 3, 18)),
        ("18 March 2026", date(2026, 3, 18)),
        ("March 18, 2026", date(2026, 3, 18)),
        ("next Tuesday", None),
        ("2026-13-45", None),
        ("", None),
    ],
)
def test_dates_are_read_in_the_forms_articles_carry_them(text, expected):
    assert parse_date(text) == expected


def test_non_ascii_s3_metadata_round_trips_as_an_encoded_word():
    encoded = s3_value("Zürich: café prices")
    assert encoded.isascii()
    assert from_s3({"title": encoded}).title == "Zürich: café prices"


def test_explicit_metadata_wins_and_the_documents_own_title_replaces_a_guess():
    guessed = ArticleMetadata(title=None, url="https://example.org/a")
    explicit = from_s3({"title": "Chosen", "published": "2026-01-02"})
    document = ArticleMetadata(title="From the PDF", title_source="pdf properties", authors=["A. Writer"])
    assert for_record(guessed, document).title == "From the PDF"
    assert for_record(guessed, document).url == "https://example.org/a"
    kept = for_record(explicit, document)
    assert (kept.title, kept.title_source, kept.published, kept.authors) == (
        "Chosen",
        "s3 metadata",
        "2026-01-02",
        ["A. Writer"],
    )


def test_a_json_articles_fields_reach_the_queued_record(submit_handler, upload, store, lambda_context):
    article = {
        "id": "wire-8841",
        "title": "Port reopens",
        "url": "https://news.example/port",
        "source": "Example Wire",
        "authors": ["R. Ames", "T. Obi"],
        "published": "2026-02-03T08:00:00Z",
        "text": ARTICLE.decode(),
    }
    event = upload("incoming/wire/port.json", json.dumps(article).encode())
    submit_handler(event, lambda_context)
    record = store.get(doc_id_of(event))
    assert record.status is Status.QUEUED
    assert (record.title, record.title_source, record.article_id) == ("Port reopens", "json", "wire-8841")
    assert (record.url, record.source, record.authors) == (
        "https://news.example/port",
        "Example Wire",
        ["R. Ames", "T. Obi"],
    )
    assert (record.published, record.published_source, record.published_note) == (
        "2026-02-03",
        "json",
        None,
    )


def test_a_date_that_does_not_parse_is_noted_and_the_article_still_goes(
    submit_handler, upload, store, endpoint_calls, lambda_context
):
    body = json.dumps({"text": ARTICLE.decode(), "published": "last spring"}).encode()
    event = upload("incoming/wire/vague.json", body)
    submit_handler(event, lambda_context)
    record = store.get(doc_id_of(event))
    assert record.status is Status.QUEUED and len(endpoint_calls.calls) == 1
    # no date of its own: filed under the day it was submitted (the by-published index holds every record)
    assert (record.published, record.published_source) == (record.submitted_at[:10], "submitted")
    assert record.published_note == "published 'last spring' (json) is not a date precis reads"


def test_s3_user_metadata_wins_over_the_articles_own(submit_handler, upload, store, lambda_context):
    metadata = {"title": s3_value("Überblick"), "published": "2026-04-01", "url": "https://intra.example/x"}
    event = upload("incoming/notes/memo.md", b"# Memo heading\n\nThe text of the memo.", metadata)
    submit_handler(event, lambda_context)
    record = store.get(doc_id_of(event))
    assert (record.title, record.title_source) == ("Überblick", "s3 metadata")
    assert (record.published, record.published_source, record.url) == (
        "2026-04-01",
        "s3 metadata",
        "https://intra.example/x",
    )


def test_the_pages_own_date_replaces_the_submission_day_once_the_endpoint_has_read_it(
    submit_handler, record_handler, upload, store, s3, events, endpoint_calls, lambda_context
):
    # Given an HTML page whose date is only in its <meta>: the submit function does not parse HTML,
    # so the QUEUED record is filed under the day it was submitted
    page = (
        b'<html><head><title>Ferry berth opens</title><meta property="article:published_time" '
        b'content="2025-05-04T06:00:00Z"></head><body><p>The new ferry berth opened on Monday after two '
        b"years of work.</p><p>It takes the larger boats that could not dock before.</p></body></html>"
    )
    notification = events("sns-success.json")
    message = json.loads(notification["Records"][0]["Sns"]["Message"])
    # moto's endpoint answers with an output bucket of its own; the stack's writes to the output path
    configured = message["responseParameters"]["outputLocation"].rsplit("/", 1)[0]

    def in_output_path(parsed, **_):
        parsed["OutputLocation"] = f"{configured}/{parsed['OutputLocation'].rsplit('/', 1)[-1]}"

    runtime = clients.aws_client("sagemaker-runtime")
    runtime.meta.events.register("after-call.sagemaker-runtime.InvokeEndpointAsync", in_output_path)
    event = upload("incoming/wire/berth.html", page)
    submit_handler(event, lambda_context)
    queued = store.get(doc_id_of(event))
    assert queued is not None and queued.status is Status.QUEUED, queued
    assert (queued.published, queued.published_source) == (queued.submitted_at[:10], "submitted")
    # When the real inference script reads the page and its notification arrives
    script = InferenceScript(model_code_dir() / "inference.py", project_root() / "model").load()
    output, _ = script.invoke(page, endpoint_calls.calls[0]["ContentType"], None)
    assert queued.output_location
    target = S3Location.parse(queued.output_location)
    s3.put_object(Bucket=target.bucket, Key=target.key, Body=output)
    message["inferenceId"] = queued.inference_id
    message["requestParameters"]["inputLocation"] = queued.input_location
    message["responseParameters"]["outputLocation"] = queued.output_location
    notification["Records"][0]["Sns"]["Message"] = json.dumps(message)
    record_handler(notification, lambda_context)
    # Then the COMPLETED record carries the page's own date and where it came from, not the stand-in
    record = store.get(queued.document_id)
    assert record is not None and record.status is Status.COMPLETED, record
    assert (record.published, record.published_source) == ("2025-05-04", "html meta")


@pytest.mark.parametrize(
    ("name", "body", "content_type"),
    [
        ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n", PDF),
        ("letter.docx", b"PK\x03\x04\x14\x00\x06\x00" + bytes(64), DOCX),
        # a mislabelled file is sent as what it is
        ("saved-as-text.txt", b"%PDF-1.4\n%binary\x00\x01\x02", PDF),
        (
            "page.txt",
            b"<!DOCTYPE html><html><head><title>Page</title></head><body><p>Hi there.</p>",
            "text/html",
        ),
    ],
)
def test_documents_are_queued_for_the_endpoint_as_what_they_are(
    submit_handler, upload, store, endpoint_calls, lambda_context, name, body, content_type
):
    event = upload(f"incoming/docs/{name}", body)
    submit_handler(event, lambda_context)
    record = store.get(doc_id_of(event))
    assert record.status is Status.QUEUED, record.failure_reason
    assert [call["ContentType"] for call in endpoint_calls.calls] == [content_type]
    assert record.content_type == content_type


def test_the_endpoints_reading_of_the_document_reaches_the_completed_record(
    record_handler, store, s3, events, lambda_context
):
    # Given a PDF queued under its file name (the submit function does not parse documents)
    notification = events("sns-success.json")
    message = json.loads(notification["Records"][0]["Sns"]["Message"])
    document, attempt = parse_inference_id(message["inferenceId"])
    now = timestamp()
    assert store.put_queued(
        SummaryRecord(
            document_id=document,
            status=Status.QUEUED,
            inference_id=message["inferenceId"],
            attempt=attempt,
            input_location=message["requestParameters"]["inputLocation"],
            collection="docs",
            submitted_at=now,
            title="field-report",
            content_type=PDF,
            dispatch=Dispatch.SENT,
            output_location=message["responseParameters"]["outputLocation"],
            attempts=[{"inference_id": message["inferenceId"], "status": "QUEUED", "submitted_at": now}],
        )
    )
    # When the endpoint's output carries the document's own metadata
    output = {
        "summary": "Loggers found excursions on long routes.",
        "model": "precis-extractive",
        "engine": "extractive",
        "words_in": 500,
        "words_out": 6,
        "chunks": 1,
        "elapsed_ms": 40,
        "document": {
            "title": "Cold-chain sensors",
            "authors": ["Vantmoor"],
            "published": "2026-03-18T10:00:00",
        },
    }
    target = S3Location.parse(message["responseParameters"]["outputLocation"])
    s3.put_object(Bucket=target.bucket, Key=target.key, Body=json.dumps(output).encode())
    record_handler(notification, lambda_context)
    # Then the record is COMPLETED under the document's title, with its date and where each came from
    record = store.get(document)
    assert record.status is Status.COMPLETED
    assert (record.title, record.title_source, record.authors) == (
        "Cold-chain sensors",
        "pdf properties",
        ["Vantmoor"],
    )
    assert (record.published, record.published_source) == ("2026-03-18", "pdf properties")


def test_summary_settings_from_s3_metadata_reach_the_endpoint_as_custom_attributes(
    submit_handler, upload, store, endpoint_calls, lambda_context
):
    event = upload("incoming/notes/brief.txt", ARTICLE, {"sentences": "2", "max-words": "80"})
    submit_handler(event, lambda_context)
    record = store.get(doc_id_of(event))
    assert record.status is Status.QUEUED
    assert record.parameters == {"sentences": 2, "target_words": 80}
    assert [call.get("CustomAttributes") for call in endpoint_calls.calls] == [
        f"inference_id={record.inference_id};sentences=2;target_words=80"
    ]


def test_summary_settings_outside_the_limits_fail_the_upload_with_the_limit(
    submit_handler, upload, store, endpoint_calls, lambda_context
):
    event = upload("incoming/notes/brief.txt", ARTICLE, {"sentences": "500"})
    submit_handler(event, lambda_context)
    record = store.get(doc_id_of(event))
    assert record.status is Status.FAILED and endpoint_calls.calls == []
    assert record.failure_reason == "x-amz-meta-sentences '500' must be a whole number from 1 to 50"

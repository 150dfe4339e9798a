"""input_fn and output_fn: every content type the endpoint takes, and each way a request can be malformed."""

from __future__ import annotations

import json

import pytest

OUTPUT_KEYS = {
    "summary", "model", "engine", "words_in", "words_out", "chunks", "elapsed_ms", "key_phrases", "entities",
}  # fmt: skip


def test_plain_text_bytes_become_one_document(inference, news):
    request = inference.input_fn(news.encode("utf-8"), "text/plain")

    assert request.documents == [news.strip()]
    assert request.batch is False


def test_plain_text_honours_its_charset(inference):
    body = "Café prices rose in Zürich.".encode("latin-1")

    request = inference.input_fn(body, "text/plain; charset=ISO-8859-1")

    assert request.documents == ["Café prices rose in Zürich."]


def test_markdown_is_reduced_to_its_text(inference):
    body = "# Tidal power\n\nThe **station** opened on [Tuesday](https://example.com/n).\n\n- four turbines\n"

    document = inference.input_fn(body, "text/markdown").documents[0]

    assert document.split("\n\n") == ["Tidal power", "The station opened on Tuesday.", "four turbines"]


def test_html_keeps_visible_text_and_drops_scripts_and_styles(inference):
    body = (
        "<html><head><title>Port Ellery</title><style>p {color: red}</style></head><body>"
        "<nav><a href='/'>Home</a></nav><h1>Tidal power</h1>"
        "<p>The station opened on <b>Tuesday</b>.</p><script>track('visit')</script>"
        "<p>It powers 3,400&nbsp;homes.</p></body></html>"
    )

    document = inference.input_fn(body.encode(), "text/html; charset=utf-8").documents[0]

    assert document.split("\n\n") == [
        "Port Ellery",
        "Tidal power",
        "The station opened on Tuesday.",
        "It powers 3,400 homes.",
    ]


def test_json_inputs_string_with_parameters(inference, news):
    body = json.dumps({"inputs": news, "parameters": {"max_length": 60, "min_length": 10, "num_beams": 4}})

    request = inference.input_fn(body, "application/json")

    assert request.batch is False
    assert request.parameters.max_length == 60
    assert request.parameters.min_length == 10
    assert request.parameters.num_beams == 4


def test_json_inputs_list_is_a_batch(inference, news):
    body = json.dumps({"inputs": [news, "A second, short article."]})

    request = inference.input_fn(body, "application/json")

    assert request.batch is True
    assert len(request.documents) == 2


def test_json_article_metadata_travels_with_the_text(inference, news):
    body = {"title": "Harbor reopens", "url": "https://example.org/a", "published": "2026-11", "text": news}

    request = inference.input_fn(json.dumps(body).encode(), "application/json")

    assert request.documents == [news.strip()]


@pytest.mark.parametrize("field", ["text", "article"])
def test_json_text_and_article_fields(inference, field, news):
    request = inference.input_fn(json.dumps({field: news}).encode(), "application/json")

    assert request.documents == [news.strip()]
    assert request.batch is False


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"not a PDF", "application/pdf", "named as a PDF but is something else"),
        (b"%PDF-1.7", "image/tiff", "unsupported content type 'image/tiff'"),
        (b"some text", "", "no content type"),
        (b"some text", None, "no content type"),
        (b"\xff\xfe not utf-8", "text/plain", "not valid utf-8"),
        (b"some text", "text/plain; charset=klingon", "unknown charset"),
        (b"   \n\t ", "text/plain", "has no text"),
        (b"<html><body><script>x()</script></body></html>", "text/html", "has no text"),
        (b"{not json", "application/json", "not valid JSON"),
        (b'["a", "b"]', "application/json", "must be an object"),
        (b'{"parameters": {}}', "application/json", 'exactly one of "inputs", "text" or "article"'),
        (b'{"inputs": "a", "text": "b"}', "application/json", 'exactly one of "inputs", "text" or "article"'),
        (b'{"inputs": "a", "extra": 1}', "application/json", "unknown JSON fields ['extra']; accepted"),
        (b'{"inputs": []}', "application/json", "a string or a non-empty list of strings"),
        (b'{"inputs": 42}', "application/json", "a string or a non-empty list of strings"),
        (b'{"inputs": ["fine", 7]}', "application/json", 'every item of "inputs" must be a string'),
        (b'{"inputs": ["fine", "  "]}', "application/json", "inputs[1] has no text"),
        (b'{"article": ["a"]}', "application/json", '"article" must be a string'),
        (b'{"inputs": "a", "parameters": [1]}', "application/json", '"parameters" must be a JSON object'),
        (b'{"inputs": "a", "parameters": {"temperature": 1}}', "application/json", "unknown parameters"),
        (b'{"inputs": "a", "parameters": {"max_length": -5}}', "application/json", "max_length must be >= 1"),
        (b'{"inputs": "a", "parameters": {"max_length": 0}}', "application/json", "max_length must be >= 1"),
        (b'{"inputs": "a", "parameters": {"max_length": "60"}}', "application/json", "whole number"),
        (b'{"inputs": "a", "parameters": {"max_length": 6.5}}', "application/json", "whole number"),
        (b'{"inputs": "a", "parameters": {"num_beams": true}}', "application/json", "whole number"),
        (b'{"inputs": "a", "parameters": {"num_beams": 0}}', "application/json", "num_beams must be >= 1"),
        (b'{"inputs": "a", "parameters": {"min_length": -1}}', "application/json", "min_length must be >= 0"),
        (
            b'{"inputs": "a", "parameters": {"min_length": 50, "max_length": 20}}',
            "application/json",
            "min_length (50) must not exceed max_length (20)",
        ),
    ],
)
def test_malformed_requests_are_clear_value_errors(inference, body, content_type, message):
    with pytest.raises(ValueError) as raised:
        inference.input_fn(body, content_type)

    assert message in str(raised.value)


def test_output_is_the_contract_json(inference, offline_model, news):
    prediction = inference.predict_fn(inference.input_fn(news, "text/plain"), offline_model)

    body = json.loads(inference.output_fn(prediction, "application/json"))

    assert set(body) == OUTPUT_KEYS
    assert body["engine"] == "extractive"
    assert isinstance(body["summary"], str) and body["summary"]
    assert all(isinstance(body[key], int) for key in ("words_in", "words_out", "chunks", "elapsed_ms"))
    # What the whole article is about, beside its summary
    assert body["key_phrases"] and all(isinstance(phrase, str) for phrase in body["key_phrases"])
    assert len(body["key_phrases"]) <= 15
    assert all(set(thing) == {"text", "type"} for thing in body["entities"])


def test_a_list_request_gets_a_list_of_results_in_order(inference, offline_model, news):
    body = json.dumps({"inputs": [news, "Only one sentence here."]})
    request = inference.input_fn(body, "application/json")
    prediction = inference.predict_fn(request, offline_model)

    results = json.loads(inference.output_fn(prediction, "application/json"))

    assert [set(item) for item in results] == [OUTPUT_KEYS, OUTPUT_KEYS]
    assert results[1]["summary"] == "Only one sentence here."


@pytest.mark.parametrize("accept", ["application/json", "application/json; charset=utf-8", "*/*", None])
def test_output_accepts_json_and_anything(inference, accept):
    assert json.loads(inference.output_fn({"summary": "ü"}, accept)) == {"summary": "ü"}


def test_output_refuses_other_accept_types(inference):
    with pytest.raises(ValueError, match="cannot answer in 'text/csv'"):
        inference.output_fn({"summary": "x"}, "text/csv")


def test_handlers_take_the_toolkits_optional_context(inference, offline_model, news):
    context = object()
    request = inference.input_fn(news, "text/plain", context)

    prediction = inference.predict_fn(request, offline_model, context)

    assert json.loads(inference.output_fn(prediction, "application/json", context))["summary"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"title": "T", "text": "Rain fell."}'.encode("utf-8-sig"), "application/json"),
        ('{"title": "T", "text": "Rain fell."}'.encode("utf-16"), "application/json; charset=utf-16"),
        ("Rain fell.".encode("utf-32"), "text/plain; charset=utf-32"),
        ('\ufeff{"text": "Rain fell."}', "application/json"),  # the toolkit decoded it, mark and all
    ],
)
def test_byte_order_marks_are_decoded_not_summarized(inference, body, content_type):
    request = inference.input_fn(body, content_type)

    assert request.documents == ["Rain fell."]

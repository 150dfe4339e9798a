"""Bounded work per request: every parameter and the size of what one request may cause are capped, and a
request past the model server's timeout stops working instead of holding its slot."""

from __future__ import annotations

import itertools
import json

import pytest
from precis_summarizer.deadline import Deadline, DeadlineExceeded
from precis_summarizer.limits import (
    MAX_BODY_BYTES,
    MAX_INPUTS,
    MAX_MARKUP_TAGS,
    MAX_NUMBER_DIGITS,
    PARAMETER_LIMITS,
)
from precis_summarizer.request import MalformedRequest


@pytest.mark.parametrize(("name", "limit"), sorted(PARAMETER_LIMITS.items()))
def test_each_parameter_has_an_upper_bound(inference, name, limit):
    at_limit = {"inputs": "Some text to summarize here.", "parameters": {name: limit}}
    over = {"inputs": "Some text to summarize here.", "parameters": {name: 10**9}}

    assert getattr(inference.input_fn(json.dumps(at_limit), "application/json").parameters, name) == limit
    with pytest.raises(MalformedRequest, match=f"parameter {name} must be at most {limit}, got 1000000000"):
        inference.input_fn(json.dumps(over), "application/json")


def test_an_inputs_list_longer_than_one_request_takes_is_refused(inference):
    # Given the 20,000-item list that once produced a record over DynamoDB's item limit
    body = json.dumps({"inputs": ["A short article about rain."] * 20_000})

    # Then it is refused before any document is summarized, with the limit in the reason
    with pytest.raises(
        MalformedRequest, match=f'"inputs" has 20,000 items, over the {MAX_INPUTS} one request'
    ):
        inference.input_fn(body, "application/json")


def test_a_list_at_the_limit_is_accepted(inference):
    body = json.dumps({"inputs": ["A short article about rain."] * MAX_INPUTS})

    assert len(inference.input_fn(body, "application/json").documents) == MAX_INPUTS


def test_a_body_over_the_size_cap_is_refused_before_decoding(inference):
    body = b"word " * (MAX_BODY_BYTES // 5 + 1)

    with pytest.raises(MalformedRequest, match=f"over the {MAX_BODY_BYTES:,} this endpoint takes"):
        inference.input_fn(body, "text/plain")


@pytest.mark.parametrize("content_type", ["text/html", "text/markdown"])
def test_markup_with_more_elements_than_a_tree_can_hold_is_read_without_the_parser(inference, content_type):
    # ~1.7 KB of parser tree per element: a page of a million tiny tags took 2 GB and a minute, so past
    # the limit the text is read without building the tree, instead of refusing (or losing) the article
    body = (
        "<b>a</b> " * (MAX_MARKUP_TAGS // 2 + 1) if content_type == "text/html" else "*a* " * MAX_MARKUP_TAGS
    )

    document = inference.input_fn(body, content_type).documents[0]

    assert document.split() == ["a"] * (
        MAX_MARKUP_TAGS // 2 + 1 if content_type == "text/html" else MAX_MARKUP_TAGS
    )


def test_a_hundred_thousand_nested_divs_keep_their_text(inference):
    body = "<div>" * 100_000 + "<p>The tide turned the turbines.</p><script>x()</script>" + "</div>" * 100_000

    assert inference.input_fn(body, "text/html").documents == ["The tide turned the turbines."]


def test_json_nested_beyond_the_parser_is_a_clear_error(inference):
    body = '{"text": ' * 100_000 + '"x"' + "}" * 100_000

    with pytest.raises(MalformedRequest, match="nests too deeply"):
        inference.input_fn(body, "application/json")


def test_a_number_too_long_to_convert_is_a_clear_error(inference):
    body = '{"inputs": "text", "parameters": {"sentences": ' + "9" * 5000 + "}}"

    with pytest.raises(MalformedRequest) as refused:
        inference.input_fn(body, "application/json")

    assert str(refused.value) == (
        f"the JSON body has a number of 5,000 digits; numbers may have at most {MAX_NUMBER_DIGITS}"
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("\u200b\u200c\u200d\ufeff \u2060", "text/plain"),  # zero-width and format characters only
        ("... --- !!! ??? ___ ***", "text/plain"),  # punctuation only
        ("<div><span>&nbsp;—</span></div><p>*</p>", "text/html"),  # markup and a dash
        ("---\n\n***\n\n> \n", "text/markdown"),  # rules and an empty quote
        ('{"inputs": ["Rain fell all day.", "\u200b\u200b"]}', "application/json"),
    ],
)
def test_text_without_words_is_refused(inference, body, content_type):
    with pytest.raises(MalformedRequest, match="has no (words|text) to summarize"):
        inference.input_fn(body.encode(), content_type)


def test_the_deadline_is_the_model_servers_timeout_from_input_fn(inference, monkeypatch):
    monkeypatch.setenv("SAGEMAKER_MODEL_SERVER_TIMEOUT", "900")

    request = inference.input_fn(b"Rain fell all day in the valley.", "text/plain")

    assert request.deadline.seconds == 900


@pytest.mark.parametrize("value", ["", "soon", "0", "-5"])
def test_no_usable_timeout_means_no_deadline(inference, monkeypatch, value):
    monkeypatch.setenv("SAGEMAKER_MODEL_SERVER_TIMEOUT", value)

    request = inference.input_fn(b"Rain fell all day in the valley.", "text/plain")

    request.deadline.check("anything")  # never raises


def clock_from(*readings: float):
    """A clock that reads each value once, then the last one for ever."""
    values = itertools.chain(readings, itertools.repeat(readings[-1]))
    return lambda: next(values)


def test_the_offline_engine_stops_at_the_deadline_between_stages(inference, offline_model, long_report):
    # Given a request whose time runs out while its sentences are being split
    request = inference.input_fn(long_report.encode(), "text/plain")
    expired = Deadline.after(60, clock=clock_from(0, 61))

    # When it is summarized, the engine stops at its next check and says why
    with pytest.raises(DeadlineExceeded, match="stopped while splitting sentences: .* past its 60 s timeout"):
        offline_model.summarize(request.documents[0], request.parameters, expired)


def test_a_request_in_time_is_summarized(inference, offline_model, long_report):
    request = inference.input_fn(long_report.encode(), "text/plain")

    summary = offline_model.summarize(request.documents[0], request.parameters, Deadline.after(60))

    assert summary.words_out > 0


def test_choosing_among_many_tiny_sentences_stops_at_the_deadline(offline_model):
    # Given 20,000 one-word sentences (each pick is a pass over all of them) and time for two picks
    text = "Yes. No. " * 10_000
    deadline = Deadline.after(60, clock=clock_from(0, 0, 0, 0, 0, 61))

    with pytest.raises(DeadlineExceeded, match="stopped while choosing sentences"):
        offline_model.summarize(text, None, deadline)

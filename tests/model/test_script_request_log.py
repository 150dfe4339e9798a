"""The inference script's one line per request in the model server's log (CloudWatch in AWS): the
request's inference id from its CustomAttributes, documents, words, engine, time and outcome."""

from __future__ import annotations

import pytest
from precis_summarizer.request import MalformedRequest
from precis_summarizer.request_log import inference_id_of, request_line

from precis.inference_script import RequestContext

ARTICLE = (
    "The harbour board approved a flood barrier for the eastern district on Monday. "
    "The barrier will close during storm surges and open for shipping the rest of the year. "
    "Construction starts in spring and is expected to take three years. "
    "Residents asked for a public hearing on the cost, which the board scheduled for June."
)


def test_the_inference_id_is_read_from_the_custom_attributes_and_nothing_else_passes_for_one():
    assert inference_id_of("inference_id=0a1b2c-1;sentences=2") == "0a1b2c-1"
    assert inference_id_of("sentences=2; inference_id = d-3") == "d-3"
    assert inference_id_of("sentences=2") is None
    assert inference_id_of(None) is None
    assert inference_id_of("inference_id=\x1b[2J") is None
    assert inference_id_of("inference_id=" + "a" * 200) is None


def test_each_request_the_script_summarizes_logs_one_line(inference, offline_model, capsys):
    # Given a request whose CustomAttributes carry the submit function's inference id and a setting
    context = RequestContext("inference_id=9f0e1d2c-1;sentences=2")

    # When the model server runs the script's functions on it
    request = inference.input_fn(ARTICLE.encode(), "text/plain", context)
    inference.predict_fn(request, offline_model)

    # Then one line on standard output (the model server's log) says what happened
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("precis request inference_id=9f0e1d2c-1 documents=1 words=")
    assert " engine=extractive time=" in line and line.endswith("outcome=COMPLETED")


def test_a_request_the_script_refuses_logs_its_reason_on_one_line(inference, capsys):
    with pytest.raises(MalformedRequest):
        inference.input_fn(b"", "text/plain", RequestContext("inference_id=77aa-2"))

    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("precis request inference_id=77aa-2 time=")
    assert 'outcome=FAILED reason="' in line


def test_a_failure_reason_from_the_article_stays_one_escaped_line():
    line = request_line(None, 0.5, error=ValueError('bad "title"\n\x1b]0;pwned\x07' + "x" * 500))
    assert line.startswith(
        'precis request inference_id=- time=0.50s outcome=FAILED reason="bad \\"title\\"\\n'
    )
    assert "\n" not in line and "\x1b" not in line and "\x07" not in line and len(line) < 420

"""The local endpoint logs one line per request: document, inference id, words in and out, time and
outcome, with a failure's reason escaped onto the line."""

from __future__ import annotations

import json
import logging

from precis.local.sagemaker.request_log import request_line


def test_a_completed_request_line_has_its_words_time_and_outcome():
    output = json.dumps({"summary": "s", "words_in": 499, "words_out": 53}).encode()
    line = request_line("c1386d6aeb77df2a7a72b7b6f40e4a66-1", output, None, 0.8412)
    assert line == (
        "request c1386d6aeb77df2a7a72b7b6f40e4a66-1 document=c1386d6aeb77df2a7a72b7b6f40e4a66 "
        "words=499→53 time=0.84s outcome=COMPLETED"
    )


def test_a_failed_request_line_keeps_the_reason_on_one_escaped_line():
    reason = 'ClientError: "no text layer (scanned PDF?)"\n\x1b[2J' + "x" * 400
    line = request_line("doc-2", b"", reason, 0.01)
    assert line.startswith(
        'request doc-2 document=doc time=0.01s outcome=FAILED reason="ClientError: \\"no text'
    )
    assert "\n" not in line and "\x1b" not in line and len(line) < 400


def test_the_endpoint_logs_a_line_for_each_request(
    start_endpoint, put_input, runtime_client, caplog, notifications, topics
):
    caplog.set_level(logging.INFO, logger="precis.local.sagemaker.runtime")
    endpoint = start_endpoint()
    location = put_input("inputs/logged.json", {"text": "hello"})

    runtime_client(endpoint).invoke_endpoint_async(
        EndpointName="precis-test",
        InputLocation=location,
        ContentType="application/json",
        InferenceId="doc-log-1",
    )
    notifications(topics.success_queue, 1)

    lines = [record.getMessage() for record in caplog.records if record.getMessage().startswith("request ")]
    assert len(lines) == 1
    assert lines[0].startswith("request doc-log-1 document=doc-log time=") and lines[0].endswith(
        "outcome=COMPLETED"
    )

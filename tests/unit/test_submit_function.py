"""SubmitFunction, invoked as Lambda invokes it, on events/s3-put.json under moto."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import unquote_plus

import pytest
from precis_core.adapters import clients
from precis_core.adapters.summarizer_endpoint import SummarizerEndpoint
from precis_core.domain.ids import document_id
from precis_core.domain.models import Dispatch, EndpointRejected, EndpointUnavailable, SettingsError, Status

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ARTICLE = b"Rates rise again.\n\nThe central bank raised its rate by a quarter point on Tuesday."


def event_key(events) -> str:
    """The decoded key of events/s3-put.json: `incoming/finance/Q3 résumé report.txt`."""
    return unquote_plus(events("s3-put.json")["Records"][0]["s3"]["object"]["key"])


def doc_id_of(event) -> str:
    obj = event["Records"][0]["s3"]["object"]
    bucket = event["Records"][0]["s3"]["bucket"]["name"]
    return document_id(bucket, unquote_plus(obj["key"]), obj["versionId"])


def test_one_valid_upload_makes_one_endpoint_call_and_a_queued_record(
    submit_handler, upload, events, names, store, endpoint_calls, lambda_context
):
    # Given the article of events/s3-put.json in the input bucket
    key = event_key(events)
    event = upload(key, ARTICLE)
    # When S3 notifies the submit function
    response = submit_handler(event, lambda_context)
    # Then the endpoint got exactly one request, on the object itself, naming its output itself
    doc = doc_id_of(event)
    assert response["results"][0]["outcome"] == "queued"
    filename = endpoint_calls.calls[0].get("Filename", "")
    assert re.fullmatch(r"[0-9a-f]{24}\.out", filename), filename
    assert endpoint_calls.calls == [
        {
            "EndpointName": names.endpoint,
            "InputLocation": f"s3://{names.input_bucket}/{key}",
            "ContentType": "text/plain",
            "Accept": "application/json",
            "InferenceId": f"{doc}-1",
            "RequestTTLSeconds": 21600,
            "InvocationTimeoutSeconds": 900,
            "Filename": filename,
            "CustomAttributes": f"inference_id={doc}-1",  # names the request in the container's log line
        }
    ]
    # And the document is QUEUED with what users need to find it
    record = store.get(doc)
    assert record.status is Status.QUEUED
    assert (record.inference_id, record.attempt, record.collection) == (f"{doc}-1", 1, "finance")
    assert (record.title, record.content_type, record.bytes) == (
        "Rates rise again.",
        "text/plain",
        len(ARTICLE),
    )
    assert record.input_location == f"s3://{names.input_bucket}/{key}"
    assert TIMESTAMP.match(record.submitted_at)
    assert record.output_location.startswith("s3://") and record.dispatch is Dispatch.SENT
    assert record.attempts == [
        {"inference_id": f"{doc}-1", "status": "QUEUED", "submitted_at": record.submitted_at}
    ]


def test_the_same_event_twice_still_makes_one_call(
    submit_handler, upload, events, store, endpoint_calls, lambda_context
):
    event = upload(event_key(events), ARTICLE)
    submit_handler(event, lambda_context)
    second = submit_handler(event, lambda_context)
    assert second["results"][0]["outcome"] == "duplicate"
    assert len(endpoint_calls.calls) == 1
    assert store.get(doc_id_of(event)).status is Status.QUEUED


def test_a_key_with_a_literal_plus_is_decoded_as_s3_encodes_it(
    submit_handler, upload, names, endpoint_calls, lambda_context
):
    event = upload("incoming/a+b c.txt", ARTICLE)
    assert event["Records"][0]["s3"]["object"]["key"] == "incoming/a%2Bb+c.txt"
    submit_handler(event, lambda_context)
    assert endpoint_calls.calls[0]["InputLocation"] == f"s3://{names.input_bucket}/incoming/a+b c.txt"


def test_an_upload_straight_under_incoming_is_in_the_default_collection(
    submit_handler, upload, store, lambda_context
):
    event = upload("incoming/note.md", b"# Note\n\nSome text.")
    submit_handler(event, lambda_context)
    assert store.get(doc_id_of(event)).collection == "default"


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("binary.txt", b"\x00\x01\x02binary", "looks binary"),
        ("latin1.txt", "Café".encode("latin-1"), "not valid UTF-8"),
        ("scan.pdf", b"Just text, not a PDF", "named as a PDF but is something else"),
        ("broken.json", b'{"text": ', "not valid JSON"),
        ("fields.json", b'{"body": "x"}', 'none of the fields "text", "article", "inputs"'),
        ("deep.json", b'{"text": ' * 10_000 + b'"x"' + b"}" * 10_000, "nests too deeply to parse"),
        ("zero-width.txt", "\u200b\u200b\u200d".encode(), "no words to summarize"),
        ("batch.json", b'{"inputs": [' + b'"Rain.", ' * 20_000 + b'"Sun."]}', "over the 100 allowed"),
    ],
)
def test_each_bad_input_is_recorded_failed_with_a_reason_and_no_call(
    submit_handler, upload, store, endpoint_calls, lambda_context, name, body, reason
):
    # Given a bad upload
    event = upload(f"incoming/bad/{name}", body)
    # When it is submitted, twice (a duplicate delivery)
    first = submit_handler(event, lambda_context)
    second = submit_handler(event, lambda_context)
    # Then one FAILED record says why, and the endpoint was never called
    record = store.get(doc_id_of(event))
    assert record.status is Status.FAILED and reason in record.failure_reason
    assert record.attempts[0]["status"] == "FAILED" and reason in record.attempts[0]["failure_reason"]
    assert [first["results"][0]["outcome"], second["results"][0]["outcome"]] == ["rejected", "duplicate"]
    assert endpoint_calls.calls == []


def test_an_upload_deleted_before_it_is_read_is_recorded_failed_and_not_retried(
    submit_handler, upload, s3, names, store, endpoint_calls, lambda_context
):
    # Given an upload whose version is deleted before the function reads it (S3 answers 404, since
    # the function may list the bucket)
    event = upload("incoming/gone/withdrawn.txt", ARTICLE)
    version = event["Records"][0]["s3"]["object"]["versionId"]
    s3.delete_object(Bucket=names.input_bucket, Key="incoming/gone/withdrawn.txt", VersionId=version)
    # When the event is delivered
    response = submit_handler(event, lambda_context)
    # Then it returns (no retry, nothing for the dead-letter queue) with one FAILED record saying why
    assert response["results"][0]["outcome"] == "rejected"
    record = store.get(doc_id_of(event))
    assert record.status is Status.FAILED
    assert record.failure_reason == "the object was deleted before it could be submitted"
    assert endpoint_calls.calls == []


def test_an_upload_over_the_cap_is_refused_from_its_metadata(
    submit_handler, upload, store, endpoint_calls, lambda_context, monkeypatch
):
    monkeypatch.setenv("MAX_INPUT_BYTES", "16")
    event = upload("incoming/long.txt", b"seventeen bytes!!")
    submit_handler(event, lambda_context)
    record = store.get(doc_id_of(event))
    assert record.status is Status.FAILED
    assert record.failure_reason == "the file is 17 bytes, over the 16-byte limit"
    assert endpoint_calls.calls == []


def test_an_event_naming_a_version_that_does_not_exist_creates_no_record(
    submit_handler, upload, store, endpoint_calls, lambda_context
):
    # Given an event whose versionId names no version of the object (stale, or forged)
    event = upload("incoming/news/real.txt", b"A real article.")
    event["Records"][0]["s3"]["object"]["versionId"] = "no-such-version-0123456789"

    # When it is submitted, Then it is ignored: no record, no endpoint call, no retry
    result = submit_handler(event, lambda_context)["results"][0]
    assert (
        result["outcome"] == "ignored" and "has no version 'no-such-version-0123456789'" in result["reason"]
    )
    assert store.get(doc_id_of(event)) is None
    assert endpoint_calls.calls == []


def test_an_object_deleted_before_it_was_read_is_recorded_failed(
    submit_handler, upload, s3, names, store, endpoint_calls, lambda_context
):
    # Given an event without a versionId (as moto sends them) for an object deleted before submit read it
    event = upload("incoming/news/gone.txt", b"Here and gone.")
    del event["Records"][0]["s3"]["object"]["versionId"]
    for version in s3.list_object_versions(Bucket=names.input_bucket, Prefix="incoming/news/gone.txt")[
        "Versions"
    ]:
        s3.delete_object(
            Bucket=names.input_bucket, Key="incoming/news/gone.txt", VersionId=version["VersionId"]
        )

    submit_handler(event, lambda_context)

    etag = event["Records"][0]["s3"]["object"]["eTag"]
    record = store.get(document_id(names.input_bucket, "incoming/news/gone.txt", etag))
    assert record.status is Status.FAILED
    assert record.failure_reason == "the object was deleted before it could be submitted"
    assert endpoint_calls.calls == []


def test_the_s3_test_event_and_folder_markers_are_ignored(
    submit_handler, upload, store, endpoint_calls, lambda_context, names
):
    test_event = {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2026-11-25T01:00:00.000Z",
        "Bucket": names.input_bucket,
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }
    assert submit_handler(test_event, lambda_context) == {"results": []}
    folder = upload("incoming/finance/", b"")
    assert submit_handler(folder, lambda_context)["results"][0]["outcome"] == "ignored"
    assert endpoint_calls.calls == []
    assert store.get(doc_id_of(folder)) is None


def test_throttling_is_retried_by_botocore_and_the_article_is_queued(
    submit_handler, upload, events, store, endpoint_calls, scripted, backoffs, lambda_context
):
    # Given an endpoint that throttles the first request
    endpoint = scripted((400, "ThrottlingException"))
    event = upload(event_key(events), ARTICLE)
    # When the article is submitted
    submit_handler(event, lambda_context)
    # Then botocore (standard mode) backed off and sent it again, within one logical call
    assert endpoint.http_requests == 2 and len(backoffs) == 1
    assert len(endpoint_calls.calls) == 1
    assert store.get(doc_id_of(event)).dispatch is Dispatch.SENT


def test_an_endpoint_still_unavailable_raises_and_the_retried_event_calls_it_once(
    submit_handler, upload, events, store, endpoint_calls, scripted, backoffs, lambda_context
):
    # Given an endpoint that answers 503 to every attempt botocore makes
    endpoint = scripted(*[(503, "ServiceUnavailable")] * 3)
    event = upload(event_key(events), ARTICLE)
    # When the article is submitted, Then the function raises so Lambda retries the event
    with pytest.raises(EndpointUnavailable, match="ServiceUnavailable"):
        submit_handler(event, lambda_context)
    assert endpoint.http_requests == 3
    record = store.get(doc_id_of(event))
    assert (record.status, record.dispatch) == (Status.QUEUED, Dispatch.RELEASED)
    # When Lambda retries the same event and the endpoint has recovered
    retried = submit_handler(event, lambda_context)
    again = submit_handler(event, lambda_context)
    # Then the retry made the call, and a further duplicate did not
    assert [retried["results"][0]["outcome"], again["results"][0]["outcome"]] == ["queued", "duplicate"]
    assert endpoint.http_requests == 4 and len(endpoint_calls.calls) == 2
    assert store.get(doc_id_of(event)).dispatch is Dispatch.SENT


class FunctionKilled(BaseException):
    """Lambda ending the runtime at its timeout: no `except Exception` or `finally` cleanup runs after it."""


def test_a_delivery_after_the_function_died_mid_call_makes_the_call(
    submit_handler, upload, events, store, endpoint_calls, scripted, lambda_context
):
    # Given an invocation with no time left that dies while calling the endpoint
    scripted(FunctionKilled())
    event = upload(event_key(events), ARTICLE)
    with pytest.raises(FunctionKilled):
        submit_handler(event, replace(lambda_context, remaining_ms=0))
    assert store.get(doc_id_of(event)).dispatch is Dispatch.CLAIMED
    # When Lambda delivers the event again, after that invocation's claim ran out
    response = submit_handler(event, lambda_context)
    # Then this delivery makes the call
    assert response["results"][0]["outcome"] == "queued"
    assert store.get(doc_id_of(event)).dispatch is Dispatch.SENT
    assert len(endpoint_calls.calls) == 2


def test_a_validation_error_is_recorded_failed_and_not_retried(
    submit_handler, upload, events, store, scripted, backoffs, lambda_context
):
    endpoint = scripted((400, "ValidationError"))
    event = upload(event_key(events), ARTICLE)
    response = submit_handler(event, lambda_context)
    record = store.get(doc_id_of(event))
    assert response["results"][0]["outcome"] == "endpoint_rejected"
    assert record.status is Status.FAILED
    assert record.failure_reason.startswith("the endpoint rejected the request (ValidationError")
    assert endpoint.http_requests == 1 and backoffs == []


def test_a_missing_setting_fails_loudly_before_any_work(
    submit_handler, upload, events, endpoint_calls, lambda_context, monkeypatch
):
    monkeypatch.delenv("ENDPOINT_NAME")
    monkeypatch.setenv("REQUEST_TTL_SECONDS", "ten")
    with pytest.raises(
        SettingsError, match="ENDPOINT_NAME is not set; REQUEST_TTL_SECONDS='ten' is not an integer"
    ):
        submit_handler(upload(event_key(events), ARTICLE), lambda_context)
    assert endpoint_calls.calls == []


def test_a_non_upload_record_is_skipped(submit_handler, events, endpoint_calls, lambda_context):
    event = events("s3-put.json")
    event["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    assert submit_handler(event, lambda_context) == {"results": []}
    assert endpoint_calls.calls == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("line\rbreak.txt", "a carriage return (CR) at character"),
        ("line\nfeed.txt", "a line feed (LF) at character"),
        ("separator\u2028.md", "a line separator (U+2028) at character"),
    ],
)
def test_a_key_invoke_endpoint_async_cannot_take_fails_at_once_naming_the_key(
    submit_handler, upload, store, endpoint_calls, lambda_context, name, problem
):
    # Given an upload S3 took, whose key has a line break (InputLocation's pattern matches none)
    event = upload(f"incoming/keys/{name}", ARTICLE)

    # When it is submitted
    outcome = submit_handler(event, lambda_context)["results"][0]["outcome"]

    # Then it is FAILED at once, naming the key's problem, not the endpoint, and without a call
    record = store.get(doc_id_of(event))
    assert (outcome, record.status) == ("rejected", Status.FAILED)
    assert problem in record.failure_reason and "upload it again under a name" in record.failure_reason
    assert "retry" not in record.failure_reason and "endpoint did not" not in record.failure_reason
    assert endpoint_calls.calls == []


def test_a_key_too_long_for_an_input_location_fails_at_once_naming_its_length(
    submit_handler, upload, names, store, endpoint_calls, lambda_context
):
    # Given a key S3 takes (1,013 bytes) whose s3:// URI passes InvokeEndpointAsync's 1,024 characters
    key = "incoming/long/" + "k" * 995 + ".txt"
    event = upload(key, ARTICLE)
    length = len(f"s3://{names.input_bucket}/{key}")

    submit_handler(event, lambda_context)

    record = store.get(doc_id_of(event))
    assert record.status is Status.FAILED
    assert f"is {length:,} characters long, over the 1,024" in record.failure_reason
    assert f"at least {length - 1024:,} characters shorter" in record.failure_reason
    assert endpoint_calls.calls == []


def test_a_key_with_a_tab_is_sent_as_it_is(
    submit_handler, upload, names, store, endpoint_calls, lambda_context
):
    event = upload("incoming/keys/tab\there.txt", ARTICLE)

    assert submit_handler(event, lambda_context)["results"][0]["outcome"] == "queued"
    assert (
        endpoint_calls.calls[0]["InputLocation"] == f"s3://{names.input_bucket}/incoming/keys/tab\there.txt"
    )


def test_a_request_botocore_refuses_to_send_is_rejected_not_retried(aws, names):
    # Given the function's own client, and a request botocore's checks refuse before any call (empty location)
    endpoint = SummarizerEndpoint(clients.aws_client("sagemaker-runtime"), names.endpoint, 3600, 900)

    # Then it is a refusal for good (a FAILED record), not an outage Lambda would retry
    with pytest.raises(EndpointRejected, match="not valid for InvokeEndpointAsync"):
        endpoint.invoke("", "text/plain", "doc-1")


def test_each_call_names_an_output_no_other_request_can_know(
    submit_handler, upload, endpoint_calls, lambda_context
):
    # Given two uploads of the same article (two documents)
    first = upload("incoming/owned/one.txt", ARTICLE)
    second = upload("incoming/owned/two.txt", ARTICLE)

    # When both are submitted
    submit_handler(first, lambda_context)
    submit_handler(second, lambda_context)

    # Then each call chose its own random output name, not one derived from its InferenceId (which any
    # caller of InvokeEndpointAsync may repeat; tests/integration/test_output_ownership.py goes on from here)
    names = [call["Filename"] for call in endpoint_calls.calls]
    assert len(set(names)) == 2
    assert all(call["InferenceId"] not in call["Filename"] for call in endpoint_calls.calls)


@pytest.mark.parametrize(
    ("key", "collection"),
    [
        ("incoming/finance/q3.txt", "finance"),
        ("incoming/team a/2026/x.txt", "team a"),
        ("incoming/team a/2026/march/y.md", "team a"),
        ("incoming/top.txt", "default"),
    ],
)
def test_the_collection_is_the_first_folder_below_incoming(
    submit_handler, upload, store, lambda_context, key, collection
):
    event = upload(key, ARTICLE)
    submit_handler(event, lambda_context)
    assert store.get(doc_id_of(event)).collection == collection

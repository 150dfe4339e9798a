"""`SubmitService.retry` (behind `precis retry`): a finished document queued again as attempt + 1."""

from __future__ import annotations

import boto3
import pytest
from precis_core.adapters.articles import ArticleSource
from precis_core.adapters.summarizer_endpoint import SummarizerEndpoint
from precis_core.domain.ids import document_id
from precis_core.domain.models import ArticleRef, Status
from precis_core.services.dispatch import Dispatcher
from precis_core.services.submit import SubmitService


class RecordingRuntime:
    """A sagemaker-runtime stand-in that accepts every request and remembers it."""

    def __init__(self) -> None:
        self.requests: list[dict] = []

    def invoke_endpoint_async(self, **request):
        self.requests.append(request)
        return {
            "InferenceId": request["InferenceId"],
            "OutputLocation": f"s3://out/async-output/{request['InferenceId']}.out",
            "FailureLocation": f"s3://out/async-failures/{request['InferenceId']}-error.out",
        }


@pytest.fixture
def service(store, s3, names):
    runtime = RecordingRuntime()
    submit = SubmitService(
        store,
        ArticleSource(boto3.client("s3")),
        Dispatcher(store, SummarizerEndpoint(runtime, names.endpoint, 3600, 900)),
        input_prefix="incoming/",
        max_input_bytes=1024,
    )
    return submit, runtime


def uploaded(s3, names, key: str, body: bytes) -> ArticleRef:
    put = s3.put_object(Bucket=names.input_bucket, Key=key, Body=body)
    return ArticleRef(names.input_bucket, key, put["VersionId"], put["ETag"].strip('"'), len(body))


def test_a_failed_document_is_queued_again_as_the_next_attempt(service, store, s3, names):
    submit, runtime = service
    ref = uploaded(s3, names, "incoming/a.txt", b"Some article text.")
    submit.submit(ref)
    doc = document_id(ref.bucket, ref.key, ref.version_id)
    store.fail(
        doc,
        f"{doc}-1",
        reason="model crashed",
        completed_at="2026-11-25T01:00:00.000Z",
        latency_ms=5,
        attempts=[{"inference_id": f"{doc}-1", "status": "FAILED"}],
    )
    result = submit.retry(doc)
    record = store.get(doc)
    assert (result.outcome, result.inference_id) == ("queued", f"{doc}-2")
    assert [r["InferenceId"] for r in runtime.requests] == [f"{doc}-1", f"{doc}-2"]
    assert (record.status, record.attempt, record.failure_reason) == (Status.QUEUED, 2, None)
    assert record.output_location == f"s3://out/async-output/{doc}-2.out"
    assert [a["inference_id"] for a in record.attempts] == [f"{doc}-1", f"{doc}-2"]


def test_a_queued_document_is_not_sent_twice(service, store, s3, names):
    submit, runtime = service
    ref = uploaded(s3, names, "incoming/a.txt", b"Some article text.")
    submit.submit(ref)
    result = submit.retry(document_id(ref.bucket, ref.key, ref.version_id))
    assert result.outcome == "duplicate" and len(runtime.requests) == 1


def test_an_input_that_is_still_bad_is_not_sent(service, store, s3, names):
    submit, runtime = service
    ref = uploaded(s3, names, "incoming/big.txt", b"x" * 2048)
    submit.submit(ref)
    result = submit.retry(document_id(ref.bucket, ref.key, ref.version_id))
    assert result.outcome == "rejected" and "over the 1,024-byte limit" in result.reason
    assert runtime.requests == []


def test_an_unknown_document_is_a_lookup_error(service):
    submit, _ = service
    with pytest.raises(LookupError):
        submit.retry("0" * 32)

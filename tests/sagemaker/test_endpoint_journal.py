"""The endpoint's journal: every accepted request survives a killed endpoint and is finished by the next.

Each crash window is a state a killed endpoint leaves its journal in. The tests write the journal as the
killed process would have (through the same journal API, with the objects it had written), start an
endpoint on it and check what the new endpoint does; the last test kills a real endpoint process.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from precis.local.gatekeeper import admin_call
from precis.local.sagemaker import AsyncRequest, RequestJournal, RequestResult, RequestState
from precis.scaling import ScalingPolicy


def journaled(journal: RequestJournal, settings, inference_id: str, location: str, **times) -> AsyncRequest:
    """A request as InvokeEndpointAsync journals it before answering 202."""
    request = AsyncRequest(
        inference_id=inference_id,
        input_location=location,
        output_location=settings.output_location(inference_id),
        failure_location=settings.failure_location(inference_id),
        content_type="application/json",
        accept=None,
        custom_attributes=None,
        received_at=times.get("received_at", datetime.now(UTC)),
    )
    return journal.accept(request, ttl=times.get("ttl", 21600), timeout=900)


def write(aws, uri: str, body: bytes) -> None:
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body)


def read(aws, uri: str) -> bytes:
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    return aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


def runs(journal: RequestJournal) -> dict[str, tuple[str, int]]:
    return {row["inference_id"]: (row["state"], row["runs"]) for row in journal.runs()}


def all_closed(journal: RequestJournal) -> bool:
    counts = journal.counts()
    return sum(counts.values()) == counts["closed"]


def test_a_row_only_moves_forward_and_outlives_its_connection(tmp_path, topics):
    # Given a request journaled, run and stored
    journal = RequestJournal(tmp_path / "journal.sqlite3")
    request = journaled(journal, topics.settings, "fwd-1", "s3://b/k")
    journal.running(request)
    journal.stored(request, RequestResult(failure_reason="InternalFailure: x"))

    # When a worker whose run was cut off by a timeout reports it running again, and the file is reopened
    journal.running(request)
    journal.scaled_to(3)
    journal.close()
    reopened = RequestJournal(tmp_path / "journal.sqlite3")

    # Then the row is still stored with its failure, run once, and the instance count is kept
    [open_request] = reopened.open_requests()
    assert open_request.state is RequestState.STORED and open_request.runs == 1
    assert open_request.result == RequestResult(failure_reason="InternalFailure: x")
    assert open_request.request.number == request.number
    assert reopened.desired_instances() == 3


def test_an_endpoint_started_on_a_killed_endpoints_journal_finishes_each_request_once(
    aws, tmp_path, topics, start_endpoint, put_input, notifications, wait_for
):
    # Given the journal a killed endpoint left: one request queued, one cut off while running, one whose
    # output (and one whose failure) object was written but not yet notified, and one finished
    path = tmp_path / "journal.sqlite3"
    killed = RequestJournal(path)
    location = put_input("inputs/journal.json", {"text": "journaled"})
    settings = topics.settings
    queued = journaled(killed, settings, "queued-1", location)
    running = journaled(killed, settings, "running-1", location)
    killed.running(running)
    stored = journaled(killed, settings, "stored-1", location)
    killed.running(stored)
    write(aws, stored.output_location, b'{"written": "before the crash"}')
    killed.stored(stored, RequestResult(content_type="application/json"))
    failed = journaled(killed, settings, "failed-1", location)
    killed.running(failed)
    write(aws, failed.failure_location, b"ClientError: the model refused it")
    killed.stored(failed, RequestResult(failure_reason="ClientError: the model refused it"))
    closed = journaled(killed, settings, "closed-1", location)
    killed.running(closed)
    killed.stored(closed, RequestResult(content_type="application/json"))
    killed.closed(closed)
    killed.close()

    # When a new endpoint starts on that journal
    journal = RequestJournal(path)
    start_endpoint(journal=journal)

    # Then the queued and the cut-off requests run (the cut-off one a second time) and are notified,
    # the stored results are notified without running the model again, and the finished one is left alone
    successes = notifications(topics.success_queue, 3, within=60)
    assert sorted(m["inferenceId"] for m in successes) == ["queued-1", "running-1", "stored-1"]
    [failure] = notifications(topics.error_queue, 1)
    assert failure["inferenceId"] == "failed-1"
    assert failure["failureReason"] == "ClientError: the model refused it"
    assert failure["responseParameters"]["failureLocation"] == failed.failure_location
    assert read(aws, stored.output_location) == b'{"written": "before the crash"}'
    assert json.loads(read(aws, queued.output_location))["echo"] == "journaled"
    assert wait_for(lambda: all_closed(journal))
    assert runs(journal) == {
        "queued-1": ("closed", 1),
        "running-1": ("closed", 2),
        "stored-1": ("closed", 1),
        "failed-1": ("closed", 1),
        "closed-1": ("closed", 1),
    }
    assert notifications(topics.success_queue, 1, within=1) == []


def test_a_resumed_request_keeps_its_ttl_clock(tmp_path, topics, start_endpoint, put_input, notifications):
    # Given a journaled request whose 60 s TTL ran out while the endpoint was down (at 600x, 0.1 s real)
    journal = RequestJournal(tmp_path / "journal.sqlite3")
    location = put_input("inputs/old.json", {"text": "old"})
    journaled(
        journal,
        topics.settings,
        "old-1",
        location,
        received_at=datetime.now(UTC) - timedelta(seconds=5),
        ttl=60,
    )

    # When an endpoint resumes it
    endpoint = start_endpoint(journal=journal)

    # Then it expires at once, as it would have in the queue, without running
    [message] = notifications(topics.error_queue, 1)
    assert message["inferenceId"] == "old-1"
    assert "RequestTTLSeconds" in message["failureReason"]
    assert runs(journal) == {"old-1": ("closed", 0)}
    assert endpoint.runtime.status()["resumed"] == 1


def test_refuse_invocations_answers_service_unavailable_and_journals_nothing(
    start_endpoint, put_input, runtime_client
):
    # Given an endpoint told to refuse requests
    endpoint = start_endpoint(ScalingPolicy.always_on(1))
    assert _post_faults(endpoint, {"refuse_invocations": True}) == {
        "refuse_invocations": True,
        "drop_notifications": False,
        "journal_full": False,
    }
    client = boto3.client(
        "sagemaker-runtime",
        endpoint_url=endpoint.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )
    location = put_input("inputs/refused.json", {"text": "refused"})

    # When a request arrives, Then it is refused as SageMaker refuses in an outage
    with pytest.raises(ClientError) as caught:
        client.invoke_endpoint_async(EndpointName="precis-test", InputLocation=location, InferenceId="r-1")
    assert caught.value.response["Error"]["Code"] == "ServiceUnavailable"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert endpoint.runtime.journal.runs() == []
    assert endpoint.runtime.status()["refused"] == 1

    # And once the fault is cleared the same request is accepted
    _post_faults(endpoint, {"refuse_invocations": False})
    client.invoke_endpoint_async(EndpointName="precis-test", InputLocation=location, InferenceId="r-1")
    assert [row["inference_id"] for row in endpoint.runtime.journal.runs()] == ["r-1"]


def test_dropped_notifications_leave_the_output_object_and_close_the_request(
    aws, topics, start_endpoint, put_input, runtime_client, notifications, wait_for
):
    # Given an endpoint that drops its notifications
    endpoint = start_endpoint(ScalingPolicy.always_on(1))
    _post_faults(endpoint, {"drop_notifications": True})
    location = put_input("inputs/dropped.json", {"text": "dropped"})

    # When it completes a request
    response = runtime_client(endpoint).invoke_endpoint_async(
        EndpointName="precis-test", InputLocation=location, InferenceId="d-1"
    )

    # Then the output object is there, no notification is, and the request is finished with
    assert wait_for(lambda: all_closed(endpoint.runtime.journal) and endpoint.runtime.journal.runs())
    assert json.loads(read(aws, response["OutputLocation"]))["echo"] == "dropped"
    assert notifications(topics.success_queue, 1, within=1) == []
    assert endpoint.runtime.status()["notifications_dropped"] == 1


def test_an_unknown_fault_is_a_validation_error(start_endpoint):
    endpoint = start_endpoint()

    with pytest.raises(urllib.error.HTTPError) as caught:
        _post_faults(endpoint, {"melt_down": True})

    assert caught.value.code == 400
    assert "melt_down" in json.loads(caught.value.read())["message"]


def test_a_killed_endpoint_process_restarted_on_its_journal_and_port_finishes_every_request(
    template_endpoint, tmp_path, runtime_client, notifications
):
    # Given the template's endpoint as the local stack runs it, on a journal, with eight slow requests
    bucket = template_endpoint.bucket
    template_endpoint.aws.client("s3").put_object(
        Bucket=bucket, Key="in/slow.json", Body=b'{"text": "slow", "sleep": 0.5}'
    )
    journal = tmp_path / "journal.sqlite3"
    first = template_endpoint.start(journal=journal)
    url = first.url
    client = runtime_client(first)
    ids = [f"kill-{number}" for number in range(8)]
    for inference_id in ids:
        client.invoke_endpoint_async(
            EndpointName=template_endpoint.stack.outputs["EndpointName"],
            InputLocation=f"s3://{bucket}/in/slow.json",
            ContentType="application/json",
            InferenceId=inference_id,
        )

    # When it is killed (SIGKILL) while requests run, and started again on the same journal and port
    deadline = time.monotonic() + 60
    while _status(first)["in_flight"] == 0:
        assert time.monotonic() < deadline, "no request started"
        time.sleep(0.05)
    first.process.kill()
    first.process.wait()
    second = template_endpoint.start(int(url.rsplit(":", 1)[1]), journal=journal)
    try:
        # Then every accepted request completes, the cut-off ones run again, and the journal is closed
        messages = notifications(template_endpoint.success_queue, len(ids), within=90)
        assert {m["inferenceId"] for m in messages} == set(ids)
        deadline = time.monotonic() + 30
        while (counts := _status(second)["journal"])["closed"] < len(ids):
            assert time.monotonic() < deadline, counts
            time.sleep(0.1)
        rows = admin_call(second.url, "journal", second.admin_secret)["requests"]
        assert {row["inference_id"] for row in rows} == set(ids)
        assert all(row["state"] == "closed" and row["outcome"] == "Completed" for row in rows)
        assert sum(row["runs"] for row in rows) > len(ids)
        assert _status(second)["resumed"] >= 1
    finally:
        second.process.send_signal(signal.SIGTERM)
        assert second.process.wait(timeout=30) == 0


def _status(endpoint) -> dict:
    return admin_call(endpoint.url, "status", endpoint.admin_secret)


def _post_faults(endpoint, faults: dict) -> dict:
    return admin_call(endpoint.url, "faults", endpoint.admin_secret, faults)

"""`precis redrive`: the events a function's on-failure queue kept are applied again, each message deleted
only once it went through; the queue messages have the shape of events/submit-failure.json."""

from __future__ import annotations

import json
from pathlib import Path

from precis_core.domain.ids import document_id
from precis_core.domain.models import Dispatch, Status

EVENTS = Path(__file__).resolve().parents[2] / "events"
SUBMIT_DLQ = "precis-test-submit-dlq"
RECORD_DLQ = "precis-test-record-dlq"


def failure_record_for(client, key: str, body: bytes) -> tuple[str, str]:
    """Upload an article and write the submit DLQ's message for its event (events/submit-failure.json
    with this object's bucket, key, size, ETag and version); the document id it gets."""
    put = client("s3").put_object(Bucket="precis-test-input", Key=key, Body=body)
    record = json.loads((EVENTS / "submit-failure.json").read_text(encoding="utf-8"))
    s3 = record["requestPayload"]["Records"][0]["s3"]
    s3["bucket"]["name"] = "precis-test-input"
    s3["object"].update(key=key, size=len(body), eTag=put["ETag"].strip('"'), versionId=put["VersionId"])
    sqs = client("sqs")
    sqs.send_message(
        QueueUrl=sqs.get_queue_url(QueueName=SUBMIT_DLQ)["QueueUrl"], MessageBody=json.dumps(record)
    )
    return document_id("precis-test-input", key, put["VersionId"])


def messages_in(client, queue: str) -> int:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_redrive_submits_the_s3_events_the_submit_function_gave_up_on(stack, store, cli, client):
    # Given two uploads whose events ended in SubmitFunction's on-failure queue (an endpoint outage)
    first = failure_record_for(client, "incoming/outage/one.txt", b"Rain fell on Tuesday. The river rose.")
    second = failure_record_for(client, "incoming/outage/two.txt", b"Markets fell. Bonds rallied later.")

    # When the user redrives the queue with the endpoint back
    result = cli("redrive", "--stack", stack, "--json")

    # Then both are QUEUED with the endpoint, and the queue is empty
    assert result.exit_code == 0, result.output
    assert sorted(item["outcome"] for item in json.loads(result.stdout)) == ["queued", "queued"]
    for document in (first, second):
        record = store.get(document)
        assert (record.status, record.dispatch) == (Status.QUEUED, Dispatch.SENT)
    assert messages_in(client, SUBMIT_DLQ) == 0


def test_a_message_that_fails_again_stays_in_the_queue(stack, store, cli, client, endpoint_outage):
    document = failure_record_for(
        client, "incoming/outage/three.txt", b"Snow closed the pass. Crews cleared it."
    )

    result = cli("redrive", "--stack", stack)

    assert result.exit_code == 1
    assert "failed again" in result.output and "1 kept in the queue" in result.output
    assert messages_in(client, SUBMIT_DLQ) == 1
    assert store.get(document).dispatch is Dispatch.RELEASED


def test_redriving_twice_does_no_double_work(stack, store, cli, client):
    document = failure_record_for(
        client, "incoming/outage/four.txt", b"The bridge reopened. Traffic resumed."
    )
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=SUBMIT_DLQ)["QueueUrl"]
    body = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["Body"]
    sqs.send_message(QueueUrl=url, MessageBody=body)  # the same event kept twice

    result = cli("redrive", "--stack", stack, "--json")

    assert sorted(item["outcome"] for item in json.loads(result.stdout)) == ["duplicate", "queued"]
    assert store.get(document).attempt == 1 and messages_in(client, SUBMIT_DLQ) == 0


def test_redrive_applies_the_notifications_the_record_function_gave_up_on(seed, stack, store, cli, client):
    # Given a QUEUED record the endpoint finished, whose notification ended in RecordFunction's queue
    # (its output was not there yet on every delivery)
    record = seed("late-output", status=Status.QUEUED)
    output = f"s3://precis-test-output/async-output/{record.inference_id}.out"
    client("dynamodb").update_item(
        TableName=store.table_name,
        Key={"document_id": {"S": record.document_id}},
        UpdateExpression="SET output_location = :o, #d = :sent",
        ExpressionAttributeNames={"#d": "dispatch"},
        ExpressionAttributeValues={":o": {"S": output}, ":sent": {"S": "sent"}},
    )
    notification = json.loads((EVENTS / "sns-success.json").read_text(encoding="utf-8"))
    message = json.loads(notification["Records"][0]["Sns"]["Message"])
    message.update(inferenceId=record.inference_id, responseParameters={"outputLocation": output})
    notification["Records"][0]["Sns"]["Message"] = json.dumps(message)
    sqs = client("sqs")
    sqs.send_message(
        QueueUrl=sqs.get_queue_url(QueueName=RECORD_DLQ)["QueueUrl"],
        MessageBody=json.dumps({"requestPayload": notification}),
    )
    summary = {
        "summary": "It rained.",
        "model": "m",
        "engine": "extractive",
        "words_in": 9,
        "words_out": 2,
        "chunks": 1,
    }
    client("s3").put_object(
        Bucket="precis-test-output", Key=f"async-output/{record.inference_id}.out", Body=json.dumps(summary)
    )

    # When the user redrives the record function's queue
    result = cli("redrive", "--function", "record", "--stack", stack, "--json")

    # Then the record is COMPLETED from the output and the queue is empty
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["outcome"] == "completed"
    assert store.get(record.document_id).summary == "It rained."
    assert messages_in(client, RECORD_DLQ) == 0

"""moto's server as the stack runs it: moto's answers on kept-alive connections, DynamoDB writes atomic as in
AWS, SQS's clock and retention check giving moto's answers faster, and werkzeug's request log."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from urllib.parse import urlsplit

import boto3
import pytest
from moto import backends, mock_aws
from moto.core import DEFAULT_ACCOUNT_ID, utils
from moto.sqs.models import SQSBackend, sqs_backends

from precis.local.moto_server import is_retained, route_with_a_fixed_module_list, unix_time_millis

REGION = "us-east-1"


@pytest.mark.parametrize(("age_seconds", "retained"), [(0, True), (59, True), (61, False)])
def test_the_retention_check_gives_moto_s_answer(age_seconds: int, retained: bool) -> None:
    with mock_aws():
        # Given a message sent `age_seconds` ago to a queue that keeps messages 60 s
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="events", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="{}")
        backend = sqs_backends[DEFAULT_ACCOUNT_ID][REGION]
        message = backend.get_queue("events")._messages[0]
        message.sent_timestamp -= age_seconds * 1000
        # When both checks judge it
        ours = is_retained(backend, "events", message)
        moto_s = SQSBackend.is_message_valid_based_on_retention_period(backend, "events", message)
        # Then they agree
        assert ours is moto_s is retained


def test_the_sqs_clock_reads_the_same_time_as_moto_s() -> None:
    # Given moto's clock and ours, read back to back
    before = utils.unix_time_millis()
    ours = unix_time_millis()
    after = utils.unix_time_millis()
    # Then ours lies between two readings of moto's, and a given moment converts as moto converts it
    assert before - 1 <= ours <= after + 1
    moment = datetime(2026, 11, 25, 2, 30, 15, 123000)
    assert unix_time_millis(moment) == utils.unix_time_millis(moment)


def test_moto_routes_with_the_same_module_list(monkeypatch) -> None:
    # Given moto's own listing of its backend modules
    listed = list(backends.list_of_moto_modules())
    # When the router's list is fixed once
    monkeypatch.setattr(backends, "list_of_moto_modules", backends.list_of_moto_modules)
    route_with_a_fixed_module_list()
    # Then every later call answers the same list, and the services the stack uses are in it
    assert list(backends.list_of_moto_modules()) == list(backends.list_of_moto_modules()) == listed
    assert {"s3", "sqs", "sns", "dynamodb", "cloudwatch"} <= set(listed)


def test_one_connection_serves_request_after_request(moto) -> None:
    # Given a bucket, presigned URLs for its keys, and one HTTP/1.1 connection to the server
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="keep-alive")
    # Signature Version 4 URLs: the stack, like S3 on new buckets, takes no SigV2 (boto3's S3 default)
    s3 = moto.client("s3", signature_version="s3v4")

    def presigned(method: str, key: str) -> str:
        url = s3.generate_presigned_url(method, Params={"Bucket": "keep-alive", "Key": key})
        return url[len(moto.url) :]

    connection = http.client.HTTPConnection(urlsplit(moto.url).netloc, timeout=10)
    answers = []
    sockets = set()
    # When it sends a body, a chunked body, reads them back, asks for a missing key and HEADs one
    requests = [
        ("PUT", presigned("put_object", "plain.txt"), b"plain body"),
        ("PUT", presigned("put_object", "chunked.txt"), iter([b"chunked ", b"body"])),
        ("GET", presigned("get_object", "plain.txt"), None),
        ("GET", presigned("get_object", "chunked.txt"), None),
        ("GET", presigned("get_object", "missing.txt"), None),
        ("HEAD", presigned("head_object", "plain.txt"), None),
    ]
    for method, path, body in requests:
        connection.request(method, path, body=body, encode_chunked=not isinstance(body, bytes | None))
        response = connection.getresponse()
        answers.append((response.status, response.read(), response.getheader("Connection")))
        sockets.add(id(connection.sock))
    connection.close()
    # Then every answer is S3's, and all came back on the same connection
    statuses_and_bodies = [(status, body) for status, body, _ in answers]
    assert statuses_and_bodies[:4] == [(200, b""), (200, b""), (200, b"plain body"), (200, b"chunked body")]
    assert answers[4][0] == 404 and b"<Code>NoSuchKey</Code>" in answers[4][1]
    assert answers[5][:2] == (200, b"")
    assert {connection_header for _, _, connection_header in answers} == {None}
    assert len(sockets) == 1


def test_s3_metadata_keeps_the_names_it_was_given(moto) -> None:
    # Given objects uploaded with metadata names holding an underscore and a dash
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="metadata")
    s3.put_object(Bucket="metadata", Key="underscore", Body=b"x", Metadata={"source_file": "a"})
    s3.put_object(Bucket="metadata", Key="dash", Body=b"x", Metadata={"source-file": "b"})
    # When they are read back, Then each name is as it was sent (moto's handler keeps the underscore)
    assert s3.head_object(Bucket="metadata", Key="underscore")["Metadata"] == {"source_file": "a"}
    assert s3.head_object(Bucket="metadata", Key="dash")["Metadata"] == {"source-file": "b"}


def _table(dynamodb, name: str) -> None:
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_of_concurrent_conditional_puts_exactly_one_wins(moto) -> None:
    # Given a table, and many writers each putting the same new item only if it is absent
    dynamodb = moto.client("dynamodb")
    _table(dynamodb, "claims")

    def claim(key: str, writer: int) -> bool:
        try:
            dynamodb.put_item(
                TableName="claims",
                Item={"id": {"S": key}, "writer": {"N": str(writer)}},
                ConditionExpression="attribute_not_exists(id)",
            )
        except dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    # When they all write at once, for one key after another
    with ThreadPoolExecutor(16) as pool:
        for key in (f"doc-{n}" for n in range(20)):
            won = [w for w, ok in enumerate(pool.map(lambda w, k=key: claim(k, w), range(16))) if ok]
            # Then exactly one writer wins each key, and the item is the winner's
            assert len(won) == 1, (key, won)
            item = dynamodb.get_item(TableName="claims", Key={"id": {"S": key}}, ConsistentRead=True)["Item"]
            assert item["writer"] == {"N": str(won[0])}


def test_a_read_never_sees_half_of_an_update(moto) -> None:
    # Given an item with forty attributes that every update sets to one new value together
    dynamodb = moto.client("dynamodb")
    _table(dynamodb, "records")
    names = [f"a{n}" for n in range(40)]
    dynamodb.put_item(TableName="records", Item={"id": {"S": "r"}, **{n: {"N": "0"} for n in names}})
    stop = threading.Event()

    def update() -> None:
        for value in range(1, 151):
            dynamodb.update_item(
                TableName="records",
                Key={"id": {"S": "r"}},
                UpdateExpression="SET " + ", ".join(f"{n} = :v" for n in names),
                ExpressionAttributeValues={":v": {"N": str(value)}},
            )
        stop.set()

    # When readers read it while it is updated
    seen: list[set[str]] = []

    def read() -> None:
        while not stop.is_set():
            item = dynamodb.get_item(TableName="records", Key={"id": {"S": "r"}}, ConsistentRead=True)["Item"]
            seen.append({item[n]["N"] for n in names})

    with ThreadPoolExecutor(4) as pool:
        readers = [pool.submit(read) for _ in range(3)]
        pool.submit(update).result()
        for reader in readers:
            reader.result()
    # Then every read saw one value in all forty attributes
    assert seen and all(len(values) == 1 for values in seen)


def test_every_request_is_logged_as_werkzeug_logs_it(moto) -> None:
    # Given a queue, a call answered with success and one answered with an error
    sqs = moto.client("sqs")
    sqs.create_queue(QueueName="logged")
    sqs.get_queue_url(QueueName="logged")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="not-there")
    # When the log has been written (in batches of a fifth of a second)
    time.sleep(0.5)
    lines = moto.log.read_text().splitlines()
    # Then the last two lines are werkzeug's request lines, plain text, with their statuses
    assert re.fullmatch(r'127\.0\.0\.1 - - \[[^]]+\] "POST / HTTP/1\.1" 200 \d+', lines[-2])
    assert re.fullmatch(r'127\.0\.0\.1 - - \[[^]]+\] "POST / HTTP/1\.1" 400 \d+', lines[-1])


@pytest.mark.parametrize("versioned", [True, False])
def test_an_s3_event_names_the_version_as_s3_s_do(moto, versioned: bool) -> None:
    # Given a bucket (versioned or not) that notifies a queue of uploads
    s3, sqs = moto.client("s3"), moto.client("sqs")
    bucket = f"events-{'v' if versioned else 'u'}-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    url = sqs.create_queue(QueueName=bucket)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )

    # When an object is uploaded
    put = s3.put_object(Bucket=bucket, Key="incoming/a.txt", Body=b"text")

    # Then its event carries the version id in a versioned bucket, and none otherwise
    events: list[dict] = []
    for _ in range(10):
        if events:
            break
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2).get("Messages", []):
            body = json.loads(message["Body"])
            events += body.get("Records", [])
    obj = events[0]["s3"]["object"]
    assert obj.get("versionId") == (put["VersionId"] if versioned else None)

"""moto's server on a data directory (precis.local.persistence), as the stack runs it: what it
acknowledged survives a kill -9, restored exactly (version ids, ETags, metadata, tags, items); data of
another version is refused whole; a full disk answers 503 and the server goes on once space is back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from precis.local.errors import StackError
from precis.local.persistence import READY
from precis.local.ports import free_port_pair
from precis.local.stack import LocalStack

REGION = "us-east-1"


@pytest.fixture
def moto_server(moto_server_process):
    """`with moto_server(data_dir, log) as (url, process):` moto's server on the data directory."""
    return lambda data_dir, log: moto_server_process(log, "--data-dir", str(data_dir))


def _client(url: str, service: str, retries: int = 3):
    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    return session.client(service, endpoint_url=url, config=Config(retries={"max_attempts": retries}))


def _everything(url: str) -> dict:
    """All that the S3 and DynamoDB APIs show of the server's data."""
    s3, dynamodb = _client(url, "s3"), _client(url, "dynamodb")
    seen: dict = {"buckets": sorted(b["Name"] for b in s3.list_buckets()["Buckets"])}
    for bucket in seen["buckets"]:
        versions = s3.list_object_versions(Bucket=bucket)
        seen[bucket] = {
            "versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status"),
            "versions": [
                (v["Key"], v["VersionId"], v["ETag"], v["IsLatest"], v["LastModified"], v["Size"])
                for v in versions.get("Versions", [])
            ],
            "markers": [(m["Key"], m["VersionId"]) for m in versions.get("DeleteMarkers", [])],
            "uploads": [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])],
        }
        for key, version, *_ in seen[bucket]["versions"]:
            which = {"Bucket": bucket, "Key": key, **({"VersionId": version} if version != "null" else {})}
            head = s3.head_object(**which)
            body = s3.get_object(**which)["Body"].read()
            tags = s3.get_object_tagging(**which)["TagSet"]
            seen[bucket][f"{key}#{version}"] = (head["ContentType"], head["Metadata"], body, tags)
    for table in dynamodb.list_tables()["TableNames"]:
        described = dynamodb.describe_table(TableName=table)["Table"]
        seen[table] = {
            "keys": described["KeySchema"],
            "indexes": sorted(i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])),
            "items": sorted(json.dumps(i, sort_keys=True) for i in dynamodb.scan(TableName=table)["Items"]),
        }
    return seen


def _write_a_bit_of_everything(url: str) -> None:
    s3, dynamodb = _client(url, "s3"), _client(url, "dynamodb")
    s3.create_bucket(Bucket="articles")
    s3.put_bucket_versioning(Bucket="articles", VersioningConfiguration={"Status": "Enabled"})
    for body in (b"first", b"second"):
        s3.put_object(
            Bucket="articles",
            Key="incoming/a b+c é.txt",
            Body=body,
            ContentType="text/plain",
            Metadata={"m": "1"},
        )
    s3.put_object_tagging(
        Bucket="articles", Key="incoming/a b+c é.txt", Tagging={"TagSet": [{"Key": "t", "Value": "v"}]}
    )
    s3.put_object(Bucket="articles", Key="deleted.txt", Body=b"x")
    s3.delete_objects(Bucket="articles", Delete={"Objects": [{"Key": "deleted.txt"}]})
    s3.copy_object(
        Bucket="articles", Key="copy.txt", CopySource={"Bucket": "articles", "Key": "incoming/a b+c é.txt"}
    )
    done = s3.create_multipart_upload(Bucket="articles", Key="whole.bin")
    part = s3.upload_part(
        Bucket="articles", Key="whole.bin", UploadId=done["UploadId"], PartNumber=1, Body=b"w" * 100
    )
    s3.complete_multipart_upload(
        Bucket="articles",
        Key="whole.bin",
        UploadId=done["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    open_upload = s3.create_multipart_upload(Bucket="articles", Key="half.bin")
    s3.upload_part(
        Bucket="articles", Key="half.bin", UploadId=open_upload["UploadId"], PartNumber=1, Body=b"h"
    )
    s3.create_bucket(Bucket="plain-outputs")
    s3.put_object(Bucket="plain-outputs", Key="out.json", Body=b"{}")
    s3.put_object(Bucket="plain-outputs", Key="out.json", Body=b'{"v": 2}')
    dynamodb.create_table(
        TableName="records",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "s", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-s",
                "KeySchema": [{"AttributeName": "s", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="records", Item={"id": {"S": "1"}, "s": {"S": "QUEUED"}, "n": {"N": "1"}})
    dynamodb.update_item(
        TableName="records",
        Key={"id": {"S": "1"}},
        UpdateExpression="SET #s = :done, n = n + :one",
        ConditionExpression="#s = :queued",
        ExpressionAttributeNames={"#s": "s"},
        ExpressionAttributeValues={
            ":done": {"S": "COMPLETED"},
            ":one": {"N": "1"},
            ":queued": {"S": "QUEUED"},
        },
    )
    dynamodb.batch_write_item(
        RequestItems={
            "records": [
                {"PutRequest": {"Item": {"id": {"S": str(n)}, "s": {"S": "QUEUED"}}}} for n in range(2, 30)
            ]
        }
    )
    dynamodb.delete_item(TableName="records", Key={"id": {"S": "2"}})
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "records", "Item": {"id": {"S": "t"}, "s": {"S": "FAILED"}}}},
            {"Delete": {"TableName": "records", "Key": {"id": {"S": "3"}}}},
        ]
    )


def test_everything_acknowledged_survives_a_kill_9_exactly(tmp_path: Path, moto_server) -> None:
    # Given a server that acknowledged S3 and DynamoDB writes of every kind
    with moto_server(tmp_path / "data", tmp_path / "moto.log") as (url, server):
        _write_a_bit_of_everything(url)
        before = _everything(url)

        # When it is killed with SIGKILL
        os.kill(server.pid, signal.SIGKILL)
        server.wait()

    # Then a new server on the same data shows exactly the same, version ids, ETags and times included
    with moto_server(tmp_path / "data", tmp_path / "moto.log") as (url, _):
        assert _everything(url) == before
        assert len(before["articles"]["versions"]) == 5 and len(before["records"]["items"]) == 28
        # And it says what it restored before it listened
        line = next(line for line in (tmp_path / "moto.log").read_text().splitlines()[::-1] if READY in line)
        restored = json.loads(line.partition(READY)[2])
        assert (restored["buckets"], restored["items"], restored["uploads"]) == (2, 28, 1)
        # And it goes on writing after the restored state
        _client(url, "s3").put_object(Bucket="plain-outputs", Key="after.json", Body=b"1")
    with moto_server(tmp_path / "data", tmp_path / "moto.log") as (url, _):
        assert _client(url, "s3").get_object(Bucket="plain-outputs", Key="after.json")["Body"].read() == b"1"


def test_writes_naming_a_table_by_its_arn_survive_a_kill_9(tmp_path: Path, moto_server) -> None:
    # Given a server whose table is written through its ARN, as DynamoDB allows wherever it takes a name
    with moto_server(tmp_path / "data", tmp_path / "moto.log") as (url, server):
        dynamodb = _client(url, "dynamodb")
        arn = dynamodb.create_table(
            TableName="by-arn",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )["TableDescription"]["TableArn"]
        dynamodb.put_item(TableName=arn, Item={"id": {"S": "put"}, "n": {"N": "1"}})
        dynamodb.update_item(
            TableName=arn,
            Key={"id": {"S": "put"}},
            UpdateExpression="SET n = :two",
            ExpressionAttributeValues={":two": {"N": "2"}},
        )
        dynamodb.batch_write_item(RequestItems={arn: [{"PutRequest": {"Item": {"id": {"S": "batch"}}}}]})
        dynamodb.transact_write_items(
            TransactItems=[{"Put": {"TableName": arn, "Item": {"id": {"S": "transact"}}}}]
        )
        dynamodb.put_item(TableName=arn, Item={"id": {"S": "deleted"}})
        dynamodb.delete_item(TableName=arn, Key={"id": {"S": "deleted"}})
        dynamodb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "research"}])
        before = _everything(url)

        # When it is killed with SIGKILL
        os.kill(server.pid, signal.SIGKILL)
        server.wait()

    # Then a new server shows every item and tag those writes left
    with moto_server(tmp_path / "data", tmp_path / "moto.log") as (url, _):
        assert _everything(url) == before
        items = {json.loads(item)["id"]["S"]: json.loads(item) for item in before["by-arn"]["items"]}
        assert sorted(items) == ["batch", "put", "transact"] and items["put"]["n"] == {"N": "2"}
        assert _client(url, "dynamodb").list_tags_of_resource(ResourceArn=arn)["Tags"] == [
            {"Key": "team", "Value": "research"}
        ]


def _stream_records(url: str, stream_arn: str, after: str | None = None) -> list[dict]:
    """The stream's records from its start, or after the sequence number `after`."""
    streams = _client(url, "dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    position = (
        {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
        if after
        else {"ShardIteratorType": "TRIM_HORIZON"}
    )
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, **position)["ShardIterator"]
    return streams.get_records(ShardIterator=iterator)["Records"]


def test_a_tables_stream_survives_a_kill_9_and_goes_on_numbering(
    tmp_path: Path, moto_server, streamed_table
) -> None:
    # Given a table whose stream holds records, of which a reader has read the first three
    with moto_server(tmp_path / "data", tmp_path / "moto.log") as (url, server):
        dynamodb = _client(url, "dynamodb")
        stream_arn = streamed_table(dynamodb, "streamed")
        for number in range(4):
            dynamodb.put_item(TableName="streamed", Item={"id": {"S": str(number)}, "s": {"S": "QUEUED"}})
        dynamodb.update_item(
            TableName="streamed",
            Key={"id": {"S": "1"}},
            UpdateExpression="SET s = :done",
            ExpressionAttributeValues={":done": {"S": "COMPLETED"}},
        )
        dynamodb.delete_item(TableName="streamed", Key={"id": {"S": "2"}})
        before = _stream_records(url, stream_arn)
        read = before[2]["dynamodb"]["SequenceNumber"]

        # When the server is killed with SIGKILL and started again on its data
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    with moto_server(tmp_path / "data", tmp_path / "moto.log") as (url, _):
        # Then the stream is the same stream with the same records: numbers, ids, images and times
        assert _stream_records(url, stream_arn) == before
        assert [r["eventName"] for r in before] == ["INSERT"] * 4 + ["MODIFY", "REMOVE"]
        # And the reader goes on after the last record it read
        assert _stream_records(url, stream_arn, after=read) == before[3:]
        # And the next write's record is numbered after the last one, as the stream went on
        _client(url, "dynamodb").put_item(TableName="streamed", Item={"id": {"S": "new"}})
        [after] = _stream_records(url, stream_arn, after=before[-1]["dynamodb"]["SequenceNumber"])
        assert int(after["dynamodb"]["SequenceNumber"]) == int(before[-1]["dynamodb"]["SequenceNumber"]) + 1
        assert after["dynamodb"]["Keys"] == {"id": {"S": "new"}}
        line = next(line for line in (tmp_path / "moto.log").read_text().splitlines()[::-1] if READY in line)
        assert json.loads(line.partition(READY)[2])["stream_records"] == 6


def test_data_of_another_version_is_refused_whole(tmp_path: Path, moto_server) -> None:
    # Given data written by another format
    with moto_server(tmp_path, tmp_path / "moto.log") as (url, _):
        _client(url, "s3").create_bucket(Bucket="kept")
    (tmp_path / "VERSION.json").write_text(json.dumps({"format": 0, "moto": "4.0.0"}))

    # When a stack starts on it, Then it refuses with what to do, before starting anything
    stack = LocalStack(0, data_dir=tmp_path, log_dir=tmp_path / "logs")
    with pytest.raises(StackError, match=r"format 0 with moto 4\.0\.0.*Nothing was loaded.*--fresh"):
        stack.start()
    assert stack.pids() == {}
    # And moto's server on it exits saying so, loading nothing
    port = free_port_pair()
    refused = subprocess.run(
        [sys.executable, "-m", "precis.local.moto_server", "-p", str(port), "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "Nothing was loaded" in refused.stderr


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB file system (tmpfs), for a disk that fills up; skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)]).returncode
    ):
        pytest.skip("mounting a small file system needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_answers_503_and_the_server_goes_on_once_space_is_back(
    small_disk: Path, tmp_path: Path, moto_server
) -> None:
    # Given a server whose data directory's disk is nearly full
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (2 * 1024 * 1024))
    with moto_server(small_disk / "data", tmp_path / "moto.log") as (url, server):
        s3 = _client(url, "s3", retries=1)
        s3.create_bucket(Bucket="articles")
        acknowledged, refused = [], None
        for number in range(40):
            try:
                s3.put_object(Bucket="articles", Key=f"a{number}", Body=os.urandom(100_000))
                acknowledged.append(f"a{number}")
            except ClientError as error:
                refused = error
                break

        # Then the write that does not fit is refused as AWS refuses one it could not take, which SDKs retry
        assert refused is not None and acknowledged
        assert refused.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert refused.response["Error"]["Code"] == "ServiceUnavailable"
        time.sleep(0.5)
        assert "precis-moto: the journal cannot be written" in (tmp_path / "moto.log").read_text()

        # When space is freed, Then writes are acknowledged again
        filler.unlink()
        s3.put_object(Bucket="articles", Key="after", Body=b"back")
        acknowledged.append("after")
        os.kill(server.pid, signal.SIGKILL)
        server.wait()

    # And every acknowledged write is there after a kill -9
    with moto_server(small_disk / "data", tmp_path / "moto.log") as (url, _):
        kept = {o["Key"] for o in _client(url, "s3").list_objects_v2(Bucket="articles")["Contents"]}
        assert set(acknowledged) <= kept

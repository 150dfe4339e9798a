"""End to end through the local stack: uploads with the AWS CLI and boto3, records read back from DynamoDB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from precis_core.adapters.articles import SAMPLE_BYTES

pytestmark = pytest.mark.integration


def test_twenty_articles_uploaded_with_the_aws_cli_are_all_summarized(pipeline, tmp_path: Path) -> None:
    # Given twenty real articles in a folder
    articles = pipeline.articles(20)
    for name, text in articles:
        (tmp_path / name).write_text(text, encoding="utf-8")
    collection = pipeline.new_collection("twenty")

    # When the AWS CLI copies the folder under incoming/<collection>/
    pipeline.aws(
        "s3", "cp", str(tmp_path), f"s3://{pipeline.input_bucket}/incoming/{collection}/", "--recursive"
    )

    # Then twenty records complete, each with a summary shorter than its article
    records = pipeline.wait_for_records(collection, 20)
    assert sorted(r["status"] for r in records) == ["COMPLETED"] * 20
    for record in records:
        assert record["summary"].strip()
        assert 0 < record["words_out"] < record["words_in"]
    # And the AWS CLI sees them through the by-status index, as the README shows
    completed = json.loads(
        pipeline.aws(
            "dynamodb",
            "query",
            "--table-name",
            pipeline.table,
            "--index-name",
            "by-status",
            "--key-condition-expression",
            "#s = :s",
            "--expression-attribute-names",
            '{"#s": "status"}',
            "--expression-attribute-values",
            '{":s": {"S": "COMPLETED"}}',
        )
    )["Items"]
    ids = {item["document_id"]["S"] for item in completed}
    assert {r["document_id"] for r in records} <= ids


def test_keys_with_spaces_and_non_ascii_characters_are_summarized(pipeline, tmp_path: Path) -> None:
    # Given an article whose file name has spaces and non-ASCII characters
    name, text = pipeline.articles(21)[20]
    path = tmp_path / "résumé d'été 東京 notes.txt"
    path.write_text(text, encoding="utf-8")
    collection = pipeline.new_collection("names")
    key = f"incoming/{collection}/Café reports/{path.name}"

    # When it is copied with the AWS CLI
    pipeline.aws("s3", "cp", str(path), f"s3://{pipeline.input_bucket}/{key}")

    # Then its record names the decoded key, is in the first folder's collection, and is COMPLETED
    record = pipeline.record_at(f"s3://{pipeline.input_bucket}/{key}", collection)
    assert record["status"] == "COMPLETED", record.get("failure_reason")
    assert record["summary"].strip()


def test_the_same_file_uploaded_twice_makes_a_record_per_version_as_in_aws(pipeline) -> None:
    # Given an article uploaded twice with the same content (two versions of the object, as the input
    # bucket is versioned), then another one behind it
    name, text = pipeline.articles(22)[21]
    collection = pipeline.new_collection("twice")
    location = pipeline.upload(f"incoming/{collection}/{name}", text.encode())
    pipeline.upload(f"incoming/{collection}/{name}", text.encode())
    sentinel = pipeline.upload(f"incoming/{collection}/after.txt", pipeline.articles(23)[22][1].encode())

    # When the pipeline has handled every upload event (the one after the second upload included)
    pipeline.wait_for_records_at(sentinel, collection)
    records = pipeline.wait_for_records(collection, 3)

    # Then each version has its own record, COMPLETED, as S3's events name the version in AWS (and now in
    # the local stack); a repeated event of one upload makes none (test_chaos: duplicate-events)
    twice = [r for r in records if r["input_location"] == location]
    assert [r["status"] for r in twice] == ["COMPLETED", "COMPLETED"]
    assert len({r["document_id"] for r in twice}) == 2
    assert len(records) == 3


def test_empty_and_binary_files_fail_with_reasons(pipeline, tmp_path: Path) -> None:
    # Given an empty file and a binary one
    collection = pipeline.new_collection("bad")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 64)

    # When both are uploaded
    for path in (empty, binary):
        pipeline.aws("s3", "cp", str(path), f"s3://{pipeline.input_bucket}/incoming/{collection}/{path.name}")

    # Then both records are FAILED, each with a reason, and no summary
    records = pipeline.wait_for_records(collection, 2)
    for record in records:
        assert record["status"] == "FAILED"
        assert record["failure_reason"].strip()
        assert not record.get("summary")


def test_an_inference_that_raises_fails_through_the_error_topic(pipeline) -> None:
    # Given a request the inference script rejects (a negative max_length), too long for the submit
    # function to parse from the start it reads
    collection = pipeline.new_collection("raises")
    article = pipeline.articles(1)[0][1]
    request = {"parameters": {"max_length": -5}, "inputs": article * (SAMPLE_BYTES // len(article) + 1)}

    # When it is uploaded as JSON
    location = pipeline.upload(
        f"incoming/{collection}/bad-parameters.json",
        json.dumps(request).encode(),
        content_type="application/json",
    )

    # Then the record is FAILED with the endpoint's reason and the failure object it names exists
    record = pipeline.record_at(location, collection)
    assert record["status"] == "FAILED"
    assert record["failure_reason"].strip()
    failure = record["failure_location"]
    bucket, _, key = failure.removeprefix("s3://").partition("/")
    assert bucket == pipeline.stack.outputs["OutputBucketName"] and key.startswith("async-failures/")
    assert pipeline.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

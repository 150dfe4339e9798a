"""`precis delete --stack NAME`: empty every bucket version, then delete the stack."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def _stack_exists(client, name: str) -> bool:
    try:
        client("cloudformation").describe_stacks(StackName=name)
    except ClientError:
        return False
    return True


def test_delete_empties_versioned_buckets_and_deletes_the_stack(stack, cli, client):
    # Given a versioned input bucket holding two versions of an article and a deleted one
    s3 = client("s3")
    s3.put_bucket_versioning(Bucket="precis-test-input", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="precis-test-input", Key="incoming/a.txt", Body=b"one")
    s3.put_object(Bucket="precis-test-input", Key="incoming/a.txt", Body=b"two")
    s3.put_object(Bucket="precis-test-input", Key="incoming/b.txt", Body=b"gone")
    s3.delete_object(Bucket="precis-test-input", Key="incoming/b.txt")
    s3.put_object(Bucket="precis-test-output", Key="async-output/x-1.out", Body=b"{}")

    # When the user deletes the stack without a prompt
    result = cli("delete", "--stack", stack, "--yes")

    # Then every version and delete marker went, then the buckets and the stack
    assert result.exit_code == 0, result.output
    assert "emptied s3://precis-test-input (4 object versions)" in result.output
    assert "stack precis-test deleted" in result.output
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert not buckets & {"precis-test-input", "precis-test-output"}
    assert not _stack_exists(client, stack)


def test_delete_asks_first_and_a_no_keeps_everything(stack, cli, client):
    client("s3").put_object(Bucket="precis-test-input", Key="incoming/a.txt", Body=b"one")

    result = cli("delete", "--stack", stack, input="n\n")

    assert result.exit_code == 1
    assert _stack_exists(client, stack)
    assert client("s3").list_objects_v2(Bucket="precis-test-input")["KeyCount"] == 1


def test_delete_of_an_unknown_stack_says_so(aws, cli):
    result = cli("delete", "--stack", "no-such-stack", "--yes")

    assert result.exit_code == 1
    assert "stack no-such-stack not found" in result.output


def test_delete_without_credentials_says_so(aws, cli, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")

    result = cli("delete", "--stack", "precis-test", "--yes")

    assert result.exit_code == 1
    assert "no AWS credentials found" in result.output


@pytest.mark.parametrize("args", [[], ["--stack"]])
def test_delete_needs_a_stack_name(aws, cli, args):
    assert cli("delete", *args).exit_code == 2

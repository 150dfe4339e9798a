"""`precis delete --stack NAME`: delete the stack, then the buckets (every version) and the summaries
table it retains, or keep them with --keep-data."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

DATA_BUCKETS = {"precis-test-input", "precis-test-output"}
TABLE = "precis-test-summaries"


def _stack_exists(client, name: str) -> bool:
    try:
        client("cloudformation").describe_stacks(StackName=name)
    except ClientError:
        return False
    return True


def _buckets(client) -> set[str]:
    return {b["Name"] for b in client("s3").list_buckets()["Buckets"]}


@pytest.fixture
def articles(client):
    """A versioned input bucket holding two versions of an article and a deleted one; one output."""
    s3 = client("s3")
    s3.put_object(Bucket="precis-test-input", Key="incoming/a.txt", Body=b"one")
    s3.put_object(Bucket="precis-test-input", Key="incoming/a.txt", Body=b"two")
    s3.put_object(Bucket="precis-test-input", Key="incoming/b.txt", Body=b"gone")
    s3.delete_object(Bucket="precis-test-input", Key="incoming/b.txt")
    s3.put_object(Bucket="precis-test-output", Key="async-output/x-1.out", Body=b"{}")


def test_delete_removes_the_stack_then_the_buckets_and_table_it_retains(stack, articles, seed, cli, client):
    # Given a stack with articles, an output and a summary record
    seed("kept-article")

    # When the user deletes the stack without a prompt
    result = cli("delete", "--stack", stack, "--yes")

    # Then the stack went, and after it every version and delete marker, the buckets and the table
    assert result.exit_code == 0, result.output
    assert "emptied s3://precis-test-input (5 object versions)" in result.output
    assert "deleted s3://precis-test-input" in result.output
    assert f"deleted table {TABLE}" in result.output
    assert "stack precis-test deleted" in result.output
    assert not _stack_exists(client, stack)
    assert not _buckets(client) & DATA_BUCKETS
    assert TABLE not in client("dynamodb").list_tables()["TableNames"]


def test_delete_keep_data_leaves_the_buckets_and_table_as_they_were(stack, articles, seed, cli, client):
    record = seed("kept-article")

    result = cli("delete", "--stack", stack, "--keep-data", "--yes")

    assert result.exit_code == 0, result.output
    assert "kept s3://precis-test-input" in result.output and f"kept table {TABLE}" in result.output
    assert not _stack_exists(client, stack)
    assert _buckets(client) >= DATA_BUCKETS
    versions = client("s3").list_object_versions(Bucket="precis-test-input")
    assert len(versions["Versions"]) + len(versions["DeleteMarkers"]) == 5
    table = client("dynamodb").describe_table(TableName=TABLE)["Table"]
    assert table["DeletionProtectionEnabled"] is True
    item = client("dynamodb").get_item(TableName=TABLE, Key={"document_id": {"S": record.document_id}})
    assert item["Item"]["status"]["S"] == "COMPLETED"


def test_keep_data_empties_the_athena_results_bucket_so_the_stack_deletes_it(stack, articles, cli, client):
    # Given query results in the stack's Athena results bucket, which the template deletes on purpose
    client("s3").put_object(Bucket="precis-test-athena", Key="results/q-1.csv", Body=b"week,documents")

    # When the user deletes the stack keeping the data
    result = cli("delete", "--stack", stack, "--keep-data", "--yes")

    # Then the scratch bucket was emptied and went with the stack, and the data was kept
    assert result.exit_code == 0, result.output
    assert "emptied s3://precis-test-athena (1 object versions)" in result.output
    assert "precis-test-athena" not in _buckets(client)
    assert "kept s3://precis-test-athena" not in result.output
    assert _buckets(client) >= DATA_BUCKETS
    assert "kept queue" in result.output and "precis-test-analytics-dlq" in result.output


def test_keep_data_is_refused_for_a_stack_that_would_delete_its_data(unretained_stack, articles, cli, client):
    # Given a stack deployed before its template retained the buckets and the table
    result = cli("delete", "--stack", unretained_stack, "--keep-data", "--yes")

    # Then nothing is deleted, and the user learns why
    assert result.exit_code == 1
    assert "--keep-data cannot keep InputBucket, OutputBucket, SummariesTable" in result.output
    assert _stack_exists(client, unretained_stack)
    assert _buckets(client) >= DATA_BUCKETS


def test_delete_of_a_stack_that_does_not_retain_its_data_still_cleans_up(
    unretained_stack, articles, cli, client
):
    result = cli("delete", "--stack", unretained_stack, "--yes")

    assert result.exit_code == 0, result.output
    assert not _stack_exists(client, unretained_stack)
    assert not _buckets(client) & DATA_BUCKETS
    assert TABLE not in client("dynamodb").list_tables()["TableNames"]


@pytest.mark.parametrize(
    ("flags", "question"),
    [
        ([], "every object in its buckets and its summaries table?"),
        (["--keep-data"], "keeping its buckets and summaries table?"),
    ],
)
def test_delete_asks_first_and_a_no_keeps_everything(stack, cli, client, flags, question):
    client("s3").put_object(Bucket="precis-test-input", Key="incoming/a.txt", Body=b"one")

    result = cli("delete", "--stack", stack, *flags, input="n\n")

    assert result.exit_code == 1
    assert question in " ".join(result.output.split())
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

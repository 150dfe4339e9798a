"""`precis delete` and the dead-letter queues: the template retains them (RetainExceptOnCreate), so the
undelivered events they hold are counted before the stack goes, and the queues are deleted after it or,
with --keep-data, kept with their messages."""

from __future__ import annotations

import pytest

QUEUES = {"precis-test-submit-dlq": 2, "precis-test-record-dlq": 0}


@pytest.fixture
def undelivered(stack, client) -> dict[str, str]:
    """Two upload events SubmitFunction gave up on; the record function's queue is empty."""
    sqs = client("sqs")
    urls = {name: sqs.get_queue_url(QueueName=name)["QueueUrl"] for name in QUEUES}
    for n in range(QUEUES["precis-test-submit-dlq"]):
        sqs.send_message(QueueUrl=urls["precis-test-submit-dlq"], MessageBody=f'{{"event": {n}}}')
    return urls


def _queues(client) -> set[str]:
    urls = client("sqs").list_queues().get("QueueUrls", [])
    return {url.rsplit("/", 1)[-1] for url in urls}


def test_delete_counts_the_undelivered_events_then_deletes_the_queues(stack, undelivered, cli, client):
    result = cli("delete", "--stack", stack, "--yes")

    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    # The count comes first, before the stack is deleted
    assert output.index("precis-test-submit-dlq holds 2 undelivered events") < output.index("deleting stack")
    assert "deleted queue precis-test-submit-dlq (2 undelivered events)" in output
    assert "deleted queue precis-test-record-dlq (0 undelivered events)" in output
    assert not _queues(client) & set(QUEUES)


def test_delete_keep_data_keeps_the_queues_and_their_messages(stack, undelivered, cli, client):
    result = cli("delete", "--stack", stack, "--keep-data", "--yes")

    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert f"kept queue {undelivered['precis-test-submit-dlq']} (2 undelivered events)" in output
    assert _queues(client) >= set(QUEUES)
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=undelivered["precis-test-submit-dlq"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "2"


def test_the_keep_data_question_says_the_queues_stay(stack, cli, client):
    result = cli("delete", "--stack", stack, "--keep-data", input="n\n")

    assert result.exit_code == 1
    assert "(its dead-letter queues stay)" in " ".join(result.output.split())
    assert _queues(client) >= set(QUEUES)

"""A table's stream restored from the journal (precis.local.persistence.streams): records in sequence
order after its table, the numbering going on after them, and nothing of an earlier stream."""

from __future__ import annotations

import boto3
import pytest
from moto.dynamodb.models import dynamodb_backends

from precis.local.persistence import streams

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture
def table(mocked_aws, streamed_table):
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    streamed_table(dynamodb, "t")
    return dynamodb, dynamodb_backends[ACCOUNT][REGION].tables["t"]


def _record(sequence: int, key: str) -> dict:
    return {"eventName": "INSERT", "dynamodb": {"SequenceNumber": str(sequence), "Keys": {"id": {"S": key}}}}


def test_records_left_after_older_ones_were_dropped_start_the_stream_and_it_numbers_on(table) -> None:
    dynamodb, restored = table
    label = restored.latest_stream_label
    # When the journal gives back the records 500 and 501 of the stream (the ones before were too old)
    for sequence, key in ((500, "a"), (501, "b")):
        entity = ("stream", ACCOUNT, REGION, "t", label, str(sequence), 0)
        assert streams.restore(restored, entity, _record(sequence, key))

    # Then the shard starts at the first, and the next write is numbered after the last
    shard = restored.stream_shard
    assert shard.starting_sequence_number == 500 and len(shard.items) == 2
    dynamodb.put_item(TableName="t", Item={"id": {"S": "c"}})
    assert shard.items[-1].to_json()["dynamodb"]["SequenceNumber"] == "502"
    # And only the new record is still to be journaled
    records, _ = streams.StreamJournal().pending({(ACCOUNT, REGION, "t"): restored})
    assert len(records) == 3  # a journal that has seen nothing of this shard writes all three
    pending, _ = streams.JOURNALED.pending({(ACCOUNT, REGION, "t"): restored})
    assert [entity[5] for entity, _ in pending] == ["502"]


def test_records_of_an_earlier_stream_of_the_table_are_not_restored(table) -> None:
    _, restored = table
    entity = ("stream", ACCOUNT, REGION, "t", "an earlier label", "1100000000017454423009", 0)
    assert not streams.restore(restored, entity, _record(1100000000017454423009, "a"))
    assert restored.stream_shard.items == []

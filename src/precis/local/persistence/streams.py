"""DynamoDB Streams in the journal: the records a table's stream holds survive a kill -9 of moto's server.

moto keeps a table's stream in memory (one shard, records numbered from a fixed first sequence number).
Without them in the journal, a restart lost every change its readers had not read yet (the analytics
copy missed completions), and numbered the next records from where the restored shard happened to end,
reusing sequence numbers readers had already seen. DynamoDB keeps a stream's records 24 hours whatever
happens to its servers.

Each record is its own entity, appended with the write that made it (so it is on disk before the write
is acknowledged, by the same sync):

    ("stream", account, region, table, stream label, sequence number, creation time in epoch seconds)

A table's state (entities.capture) leaves its stream's records out; restoring puts them back after the
table, in sequence order, so the shard continues numbering after the last one. Records older than the
retention are dropped when the journal is folded (`journal.drop_expired`, at compaction and restore),
except each stream's newest, which keeps the numbering going. Records of an earlier stream of the table
(disabled, then enabled again: a new label) are not restored: DynamoDB's new stream starts empty.
"""

from __future__ import annotations

import pickle
import time
import weakref
from typing import Any, cast

from moto.dynamodb.models.table import StreamRecord, StreamShard

from precis.local.persistence import journal
from precis.local.persistence.journal import Entity

KIND = journal.STREAM
TableKey = tuple[str, str, str]
"""(account, region, table name)"""
Marks = dict[StreamShard, int]
"""Per shard: how many of its records are in the journal."""


class StreamJournal:
    """Which records of each shard are already in the journal, and the entities of those that are not.

    Used under the journaling middleware's lock: `pending` after a write has been applied, `commit` once
    its frames are appended, `forget` when a flush failed (they go again with the next write)."""

    def __init__(self) -> None:
        self._journaled: weakref.WeakKeyDictionary[StreamShard, int] = weakref.WeakKeyDictionary()

    def pending(self, tables: dict[TableKey, Any]) -> tuple[list[tuple[Entity, bytes]], Marks]:
        """(entity, state) of each record the tables' streams hold that the journal has not, and the
        marks to `commit` once they are appended."""
        found: list[tuple[Entity, bytes]] = []
        marks: Marks = {}
        for (account, region, name), table in tables.items():
            shard = getattr(table, "stream_shard", None)
            if shard is None:
                continue
            start = min(self._journaled.get(shard, 0), len(shard.items))
            for record in shard.items[start:]:
                kept = entity(account, region, name, table.latest_stream_label, record.record)
                found.append((kept, state(record)))
            marks[shard] = len(shard.items)
        return found, marks

    def commit(self, marks: Marks) -> None:
        self._journaled.update(marks)

    def forget(self) -> None:
        """Nothing counts as journaled any more (a flush failed): the next write journals them again."""
        self._journaled.clear()

    def restored(self, shard: StreamShard) -> None:
        """The shard's records came from the journal: none of them is to be written again."""
        self._journaled[shard] = len(shard.items)


JOURNALED = StreamJournal()
"""The process's one: moto's backends are process-wide too."""


def entity(account: str, region: str, table: str, label: str | None, record: dict[str, Any]) -> Entity:
    change = record["dynamodb"]
    created = change.get("ApproximateCreationDateTime")
    epoch = int(created.timestamp()) if hasattr(created, "timestamp") else int(created or time.time())
    return (KIND, account, region, table, label or "", change["SequenceNumber"], epoch)


def state(record: StreamRecord) -> bytes:
    return pickle.dumps(record.record, protocol=pickle.HIGHEST_PROTOCOL)


def order(found: Entity) -> tuple:
    """Restore order among stream records: by stream, then by sequence number."""
    return (*found[1:5], int(found[5]))


def restore(table: Any, found: Entity, record: dict[str, Any]) -> bool:
    """Appends the record to the table's stream (records come in sequence order); False if it belongs to
    an earlier stream of the table."""
    shard = table.stream_shard
    if shard is None or (table.latest_stream_label or "") != found[4]:
        return False
    sequence = int(found[5])
    expected = shard.starting_sequence_number + len(shard.items)
    if shard.starting_sequence_number <= sequence < expected:
        return True  # a table written by an earlier version kept its stream's records itself
    if sequence != expected or not shard.items:
        shard.items = []  # the first record, or the first after records dropped for their age
        shard.starting_sequence_number = sequence
    kept = cast(StreamRecord, StreamRecord.__new__(StreamRecord))  # moto types __new__ as its base
    kept.record = record
    shard.items.append(kept)
    JOURNALED.restored(shard)
    return True


def without_records(shard: StreamShard, table: Any) -> StreamShard:
    """A copy of the shard for the table's own state: its records are journaled apart."""
    copied = cast(StreamShard, StreamShard.__new__(StreamShard))
    copied.__dict__.update(shard.__dict__)
    copied.items = []
    copied.table = table
    return copied

"""The state the journal keeps, read from and written into moto's backends in this process.

Entities (tuples of strings, so they survive the journal's JSON):
    ("bucket", account, bucket)                  the bucket's configuration and tags, without its objects
    ("key", account, bucket, key)                every version of the key (delete markers too) and tags
    ("multipart", account, bucket, upload id)    an upload in progress, with its parts
    ("table", account, region, table)            the table's definition, indexes, TTL and tags, no items
    ("item", account, region, table, key)        one item (key: its key attributes as JSON)
    ("stream", account, region, table, label, sequence number, epoch)   a record of the table's stream
                                                 (persistence.streams)
`capture` reads an entity's state after a write (pickled; b"" when it is gone); `apply` puts a state back.
Restoring writes moto's models directly, so version ids, ETags and LastModified stay as they were and no
S3 notification or stream record fires for what was already there.
"""

from __future__ import annotations

import copy
import json
import pickle
from collections import defaultdict
from typing import Any, cast

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.s3.models import FakeBucket, s3_backends

from precis.local.persistence import streams
from precis.local.persistence.journal import Entity

PARTITION = "aws"


def _s3(account: str) -> Any:
    return s3_backends[account][PARTITION]


def _dynamodb(account: str, region: str) -> Any:
    return dynamodb_backends[account][region]


def bucket_owner(bucket: str) -> str | None:
    """The account that owns the bucket, if it exists."""
    owner = s3_backends.bucket_accounts.get(bucket)
    return owner[1] if owner else None


# --- reading state after a write ----------------------------------------------------------------------
def capture(entity: Entity) -> bytes:
    kind = entity[0]
    if kind == "bucket":
        return _capture_bucket(*entity[1:])
    if kind == "key":
        return _capture_key(*entity[1:])
    if kind == "multipart":
        bucket = _s3(entity[1]).buckets.get(entity[2])
        upload = bucket.multiparts.get(entity[3]) if bucket else None
        return pickle.dumps(upload) if upload is not None else b""
    if kind == "table":
        table = _dynamodb(entity[1], entity[2]).tables.get(entity[3])
        if table is None:
            return b""
        shell = copy.copy(table)
        shell.items = type(table.items)()
        if table.stream_shard is not None:  # its records are journaled apart (persistence.streams)
            shell.stream_shard = streams.without_records(table.stream_shard, shell)
        return pickle.dumps(shell)
    if kind == "item":
        return _capture_item(*entity[1:])
    raise ValueError(f"unknown entity {entity!r}")


def _capture_bucket(account: str, name: str) -> bytes:
    backend = _s3(account)
    bucket = backend.buckets.get(name)
    if bucket is None:
        return b""
    shell = copy.copy(bucket)
    shell.keys = type(bucket.keys)()
    shell.multiparts = type(bucket.multiparts)()
    return pickle.dumps((shell, backend.tagger.list_tags_for_resource(bucket.arn)["Tags"]))


def _capture_key(account: str, bucket_name: str, key: str) -> bytes:
    backend = _s3(account)
    bucket = backend.buckets.get(bucket_name)
    versions = list(bucket.keys.getlist(key, [])) if bucket else []
    if not versions:
        return b""
    tags = {
        version.version_id: backend.tagger.list_tags_for_resource(version.arn)["Tags"]
        for version in versions
        if hasattr(version, "arn")
    }
    return pickle.dumps((versions, {v: t for v, t in tags.items() if t}))


def item_key(table: Any, attributes: dict) -> str:
    """An item's key attributes as the journal names them."""
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return json.dumps([attributes[name] for name in names], sort_keys=True, separators=(",", ":"))


def _capture_item(account: str, region: str, table_name: str, key: str) -> bytes:
    table = _dynamodb(account, region).tables.get(table_name)
    if table is None:
        return b""
    hash_value, *range_value = (DynamoType(value) for value in json.loads(key))
    item = table.get_item(hash_value, range_value[0] if range_value else None)
    return json.dumps(item.to_json()["Attributes"]).encode() if item is not None else b""


# --- putting state back --------------------------------------------------------------------------------
_ORDER = {"bucket": 0, "table": 0, "key": 1, "multipart": 1, "item": 1, streams.KIND: 2}


def _restore_order(entity: Entity) -> tuple:
    """Containers first, then their contents; a stream's records after its table, in sequence order."""
    return (_ORDER[entity[0]], streams.order(entity) if entity[0] == streams.KIND else ())


def decode(state: dict[Entity, bytes]) -> list[tuple[Entity, Any]]:
    """Every state unpickled before anything is applied, so data that cannot be read is refused whole."""
    decoded = []
    for entity, data in sorted(state.items(), key=lambda pair: _restore_order(pair[0])):
        decoded.append((entity, json.loads(data) if entity[0] == "item" else pickle.loads(data)))
    return decoded


def apply(entity: Entity, value: Any) -> None:
    kind = entity[0]
    if kind == "bucket":
        bucket, tags = value
        _restore_bucket(entity[1], bucket, tags)
    elif kind == "key":
        versions, tags = value
        backend = _s3(entity[1])
        backend.buckets[entity[2]].keys.setlist(entity[3], versions)
        for version in versions:
            if version.version_id in tags:
                backend.tagger.tag_resource(version.arn, tags[version.version_id])
    elif kind == "multipart":
        _s3(entity[1]).buckets[entity[2]].multiparts[entity[3]] = value
    elif kind == "table":
        # The shell was captured with an empty dictionary without moto's default (a dict per hash key),
        # which a table with a range key needs for every new hash key, restored or put.
        value.items = defaultdict(dict)
        _dynamodb(entity[1], entity[2]).tables[entity[3]] = value
    elif kind == "item":
        _restore_item(_dynamodb(entity[1], entity[2]).tables[entity[3]], value)
    elif kind == streams.KIND:
        streams.restore(_dynamodb(entity[1], entity[2]).tables[entity[3]], entity, value)


def _restore_item(table: Any, attributes: dict[str, Any]) -> None:
    """The item into the table as moto's put_item stores it, without re-checking what its write checked:
    moto's item dictionary recomputes the item's size at every attribute it is given (quadratic, 2 ms for
    a record), which would make restoring 10,000 records take 20 s."""
    item = cast(Item, Item.__new__(Item))  # moto annotates __new__ as returning its base class
    item.hash_key = DynamoType(attributes[table.hash_key_attr])
    item.range_key = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
    item.attrs = LimitedSizeDict({name: DynamoType(value) for name, value in attributes.items()})
    if item.range_key is not None:
        table.items[item.hash_key][item.range_key] = item
    else:
        table.items[item.hash_key] = item


def _restore_bucket(account: str, bucket: FakeBucket, tags: list[dict[str, str]]) -> None:
    backend = _s3(account)
    backend.buckets[bucket.name] = bucket
    s3_backends.bucket_accounts[bucket.name] = (PARTITION, account)
    if tags:
        backend.tagger.tag_resource(bucket.arn, tags)


_COUNTED = {
    "bucket": "buckets",
    "table": "tables",
    "item": "items",
    "multipart": "uploads",
    streams.KIND: "stream_records",
}


def summary(decoded: list[tuple[Entity, Any]]) -> dict[str, int]:
    """What a restore put back: buckets, objects (keys whose newest version is not a delete marker),
    object versions, tables, items and the records of their streams."""
    counted = ("buckets", "objects", "versions", "tables", "items", "uploads", "stream_records")
    counts = dict.fromkeys(counted, 0)
    for entity, value in decoded:
        kind = entity[0]
        if kind == "key":
            versions = value[0]
            counts["versions"] += len(versions)
            counts["objects"] += type(versions[-1]).__name__ == "FakeKey"
        else:
            counts[_COUNTED[kind]] += 1
    return counts


def dynamodb_tables(account: str, region: str) -> dict[str, Any]:
    return _dynamodb(account, region).tables


def item_entities(account: str, region: str, table_name: str) -> list[Entity]:
    """Every item of the table, as entities."""
    table = _dynamodb(account, region).tables[table_name]
    keys = [item_key(table, item.to_json()["Attributes"]) for item in table.all_items()]
    return [("item", account, region, table_name, key) for key in keys]

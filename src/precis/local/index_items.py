"""The items of moto's DynamoDB secondary indexes, kept by partition and in moto's order, for
`precis.local.indexed_query`, in the local stack's moto server.

A table's indexes are read whole at its first write or Query (or right after the persistence restore,
`read_all`); after that every write re-files the item it touched (Table.put_item and delete_item, and the
backend's update_item, which changes an item in place; batch writes, transactions and PartiQL go through
them), so no Query pays for reading the table. A table whose item dictionary was replaced (a cancelled
transaction) or whose item count disagrees with what was filed is read again whole.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import GlobalSecondaryIndex, SecondaryIndex, Table

Key = tuple[DynamoType, DynamoType | None]
"""An item's key in its table: hash value, range value (None without a range key)."""
SortKey = tuple[Any, ...]
"""An item's place in its partition: the cast values of the index's sort attributes after the first."""
LOCK = threading.RLock()
"""Held while the items are read or marked: moto's server may call moto from more than one thread."""


class Unsupported(Exception):
    """The request or the index is outside what this path answers: moto's own query answers it."""


@dataclass
class Partition:
    keys: list[SortKey] = field(default_factory=list)
    items: dict[SortKey, Item] = field(default_factory=dict)


def sort_attributes(table: Table, index: SecondaryIndex) -> list[str]:
    """The attributes moto sorts an index's items by: partition key, sort key, then the table's keys."""
    hash_keys = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
    range_keys = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"]
    if len(hash_keys) != 1 or len(range_keys) > 1:
        raise Unsupported("a multi-attribute index key")
    if range_keys:
        range_attrs = [range_keys[0], table.range_key_attr]
    elif isinstance(index, GlobalSecondaryIndex) and table.range_key_attr:
        range_attrs = [table.range_key_attr, table.range_key_attr]
    else:
        range_attrs = [table.hash_key_attr, table.range_key_attr]
    names = table._generate_attr_to_sort_by([hash_keys[0], table.hash_key_attr], range_attrs)
    if not names or names[0] != hash_keys[0]:
        raise Unsupported("an index sorted otherwise")
    return names


def signature(table: Table, index: SecondaryIndex) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names = sort_attributes(table, index)
    declared = {a["AttributeName"]: a["AttributeType"] for a in table.attr}
    if any(declared.get(name) not in ("S", "N", "B") for name in names):
        raise Unsupported("an index key without a scalar attribute definition")
    return tuple(names), tuple(declared[name] for name in names)


def table_items(table: Table) -> Iterator[tuple[Key, Item]]:
    for hash_value, group in list(table.items.items()):
        if table.range_key_attr is None:
            if isinstance(group, Item):
                yield (hash_value, None), group
        else:
            for range_value, item in group.items():
                yield (hash_value, range_value), item


def current_item(table: Table, key: Key) -> Item | None:
    group = table.items.get(key[0])
    if table.range_key_attr is None:
        return group if isinstance(group, Item) else None
    return group.get(key[1]) if isinstance(group, dict) and key[1] is not None else None


class IndexItems:
    """One index of one table: its items by partition key value, each partition in moto's order."""

    def __init__(self, table: Table, index: SecondaryIndex) -> None:
        self.signature = signature(table, index)
        """What the index is sorted by: the attributes, and their declared types."""
        self.names, self.types = self.signature
        self.partitions: dict[Any, Partition] = {}
        self.filed: dict[Key, tuple[Any, SortKey] | None] = {}
        self.odd = 0
        """Items with a key attribute of another type than declared: DynamoDB refuses them, moto does not."""
        for key, item in table_items(table):
            self.file(key, item, keep_sorted=False)
        for partition in self.partitions.values():
            partition.keys.sort()

    def file(self, key: Key, item: Item, *, keep_sorted: bool = True) -> None:
        values = [value for name in self.names if (value := item.attrs.get(name)) is not None]
        if len(values) < len(self.names):
            return  # not in the index (a sparse index leaves out items without its keys)
        if any(value.type != type_ for value, type_ in zip(values, self.types, strict=True)):
            self.filed[key] = None
            self.odd += 1
            return
        where, *rest = (Decimal(value.value) if value.type == "N" else value.value for value in values)
        place = tuple(rest)  # moto's cast_value of a scalar (S, N, B): what it compares and sorts
        partition = self.partitions.setdefault(where, Partition())
        if keep_sorted:
            bisect.insort(partition.keys, place)
        else:
            partition.keys.append(place)
        partition.items[place] = item
        self.filed[key] = (where, place)

    def unfile(self, key: Key) -> None:
        if key not in self.filed:
            return
        filed = self.filed.pop(key)
        if filed is None:
            self.odd -= 1
            return
        where, place = filed
        partition = self.partitions[where]
        position = bisect.bisect_left(partition.keys, place)
        if partition.keys[position] != place:
            raise LookupError("an index entry out of its place")
        del partition.keys[position], partition.items[place]
        if not partition.keys:
            del self.partitions[where]


class TableItems:
    """A table's keys and its indexes' items."""

    def __init__(self, table: Table) -> None:
        self.items = table.items
        self.present = {key for key, _ in table_items(table)}
        self.indexes: dict[str, IndexItems] = {}
        for index in table.all_indexes():
            with contextlib.suppress(Unsupported):  # asked again, and answered by moto, when queried
                self.indexes[index.name] = IndexItems(table, index)
        self.stale = False

    def refile(self, table: Table, key: Key) -> None:
        """The item at `key` in its place (or out), as it is now."""
        item = current_item(table, key)
        if item is None:
            self.present.discard(key)
        else:
            self.present.add(key)
        for index in self.indexes.values():
            index.unfile(key)
            if item is not None:
                index.file(key, item)

    def current(self, table: Table) -> bool:
        """False when the table must be read again whole."""
        return not self.stale and table.items is self.items and len(self.present) == len(table)


TABLES: weakref.WeakKeyDictionary[Table, TableItems] = weakref.WeakKeyDictionary()


def table_items_of(table: Table) -> TableItems:
    """The table's items by index as they are now, read whole if need be (call under LOCK)."""
    known = TABLES.get(table)
    if known is None or not known.current(table):
        with _uncollected():
            known = TABLES[table] = TableItems(table)
    return known


def index_items(table: Table, index: SecondaryIndex) -> IndexItems:
    """The index's items as they are now (call under LOCK)."""
    known = table_items_of(table)
    found = known.indexes.get(index.name)
    if found is None or found.signature != signature(table, index):
        with _uncollected():
            found = known.indexes[index.name] = IndexItems(table, index)
    return found


@contextmanager
def _uncollected() -> Iterator[None]:
    """Without the garbage collector: reading a table makes tens of thousands of tuples, and collections
    meanwhile walk all of moto's items (a 10,000-item table was read in ~350 ms instead of ~120)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def mark(table: Table, key: Key | None) -> None:
    """A write may have changed the item at `key` (None: anywhere in the table): re-filed now (without
    counting the table's items, which costs in proportion to the table: the next Query counts them)."""
    with LOCK:
        known = TABLES.get(table)
        if key is None or (known is not None and (known.stale or table.items is not known.items)):
            if known is not None:
                known.stale = True  # read again whole when next queried
            return
        try:
            if known is None:
                with _uncollected():
                    known = TABLES[table] = TableItems(table)
            known.refile(table, key)
        except Exception:  # noqa: BLE001 - the write stands; the table is read again when queried
            TABLES.pop(table, None)


def key_of(table: Table, attributes: Any) -> Key | None:
    """The key of the item a request names, read as moto reads it; None if it names none."""
    try:
        hash_value = DynamoType(attributes[table.hash_key_attr])
        if table.range_key_attr is None:
            return hash_value, None
        return hash_value, DynamoType(attributes[table.range_key_attr])
    except Exception:  # noqa: BLE001 - no key: moto refuses the write before it changes anything
        return None


def tracking_put(original: Callable[..., Item]) -> Callable[..., Item]:
    def put_item(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
        try:
            return original(self, item_attrs, *args, **kwargs)
        finally:  # a put refused for want of a key changed nothing
            if (key := key_of(self, item_attrs)) is not None:
                mark(self, key)

    return put_item


def tracking_delete(original: Callable[..., Item | None]) -> Callable[..., Item | None]:
    def delete_item(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
        try:
            return original(self, hash_key, range_key)
        finally:  # moto drops every item of the hash key when a range key is missing
            whole = self.range_key_attr is not None and range_key is None
            mark(self, None if whole else (hash_key, range_key if self.range_key_attr else None))

    return delete_item


def tracking_update(original: Callable[..., Item]) -> Callable[..., Item]:
    def update_item(self: DynamoDBBackend, table_name: str, key: Any, *args: Any, **kwargs: Any) -> Item:
        try:
            return original(self, table_name, key, *args, **kwargs)
        finally:  # the table by name or ARN, as moto finds it
            table = next((t for t in self.tables.values() if table_name in (t.name, t.table_arn)), None)
            if table is not None:
                mark(table, key_of(table, key) if isinstance(key, dict) else None)

    return update_item


def read_all() -> None:
    """Every table of every account and region read into its indexes' items: after the persistence
    restore, which puts items into moto's tables behind the methods that re-file them."""
    for regions in list(dynamodb_backends.values()):
        for backend in list(regions.values()):
            for table in list(backend.tables.values()):
                with LOCK:
                    table_items_of(table)

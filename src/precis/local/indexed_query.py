"""A Query on a secondary index answered from that index's own items, in the local stack's moto server.

moto 5.2 (Table.query in moto/dynamodb/models/table.py) answers a Query on a global or local secondary
index by reading every item of the table, sorting them all with its typed comparisons and walking to the
ExclusiveStartKey: ~260 ms in-process for one page of 10,000 items, so each page of `precis ui` and
`precis list` cost in proportion to the whole table, where DynamoDB reads a key range of the index. Here
each queried index keeps its items by partition key value, each partition sorted as moto sorts it (sort
key, then the table's keys); a Query finds its partition, bisects to its ExclusiveStartKey and its sort
key condition, and walks only the page.

The answer is moto's, step for step: same items and order, Limit and the 1 MB page, moto's
LastEvaluatedKey (given when any item of the partition follows the last one taken: moto walks on past the
key condition), FilterExpression after the Limit, the index's projection, ProjectionExpression (Select
COUNT is the handler's, after this). The index's items follow every write (`precis.local.index_items`).
Anything else is moto's own query, and the server says so once per reason: another moto version, a
QueryFilter, a multi-attribute key, a key of another type than declared, an ExclusiveStartKey without the
index's keys, and any error on this path.
"""

from __future__ import annotations

import bisect
import copy
import inspect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import moto
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, GlobalSecondaryIndex, SecondaryIndex, Table

from precis.local.index_items import (
    LOCK,
    TABLES,
    IndexItems,
    Partition,
    SortKey,
    Unsupported,
    index_items,
    read_all,
    tracking_delete,
    tracking_put,
    tracking_update,
)

CHECKED_MOTO = "5.2."
"""The moto versions whose Table.query this reproduces; on any other, moto's own query answers."""
MAX_ITEM_BYTES = 405_000
"""moto refuses a larger item (its LimitedSizeDict); past the key condition, only a page this close to
1 MB can still end at a later item of the partition."""
_PARAMETERS = (
    "self hash_key range_comparison range_objs limit exclusive_start_key scan_index_forward "
    "projection_expressions index_name consistent_read filter_expression hash_key_conditions "
    "range_key_conditions filter_kwargs"
)
"""Table.query's parameters in the moto this was checked against."""
_ARITY = {"=": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "BETWEEN": 2, "BEGINS_WITH": 1}
"""The sort key conditions this path bisects, with their operand counts."""

Answer = tuple[list[Item], int, dict[str, Any] | None]
"""What Table.query returns: the items, the scanned count, the LastEvaluatedKey."""

stats: Counter[str] = Counter()
"""Queries answered here ("indexed") and handed to moto, by reason."""
NOTE = "precis-moto index queries: "
"""What moto's server logs about them, once per reason (in its log only: the stack announces
"precis-moto: " lines, about its data, to the user)."""
_installed: list[Callable[[], None]] = []


@dataclass(frozen=True)
class _Condition:
    """A Query's key condition on one index."""

    partition: Any
    operator: str | None
    operands: list[DynamoType]
    limit: int | None
    start: tuple[Any, SortKey] | None
    forward: bool


def _condition(found: IndexItems, index: SecondaryIndex, query: dict[str, Any]) -> _Condition:
    hashes, ranges = query["hash_key_conditions"] or [], query["range_key_conditions"] or []
    operator, operands = query["range_comparison"], list(query["range_objs"] or [])
    sort_keys = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"]
    if found.odd:
        raise Unsupported("an item whose index key is of another type than declared")
    if [(name, value.type) for name, value in hashes] != [(found.names[0], found.types[0])]:
        raise Unsupported("a partition key condition outside the index's key")
    wanted = [(sort_keys[0], operator)] if operator is not None and sort_keys else []
    if [tuple(condition[:2]) for condition in ranges] != wanted or (operator is not None and not wanted):
        raise Unsupported("a sort key condition outside the index's key")
    if operator is not None and (
        len(operands) != _ARITY.get(operator)
        or any(operand.type != found.types[1] for operand in operands)
        or (operator == "BEGINS_WITH" and found.types[1] != "S")
    ):
        raise Unsupported("a sort key condition that is not one key range")
    limit, start = query["limit"], query["exclusive_start_key"]
    if limit is not None and (type(limit) is not int or limit < 1):
        raise Unsupported("a Limit that is not a positive integer")
    forward = query["scan_index_forward"] is not False
    where = None if start is None else _start_key(found, start)
    return _Condition(hashes[0][1].cast_value, operator, operands, limit, where, forward)


def _start_key(found: IndexItems, start: Any) -> tuple[Any, SortKey]:
    values = []
    for name, type_ in zip(found.names, found.types, strict=True):
        value = start.get(name) if isinstance(start, dict) else None
        if not (isinstance(value, dict) and len(value) == 1 and isinstance(value.get(type_), str)):
            raise Unsupported("an ExclusiveStartKey without the index's keys")
        values.append(DynamoType(value).cast_value)
    return values[0], tuple(values[1:])


def _bounds(keys: list[SortKey], operator: str | None, values: list[Any]) -> tuple[int, int]:
    """Where the items meeting the sort key condition are: keys[lo:hi]."""
    n = len(keys)
    if operator is None:
        return 0, n
    left = bisect.bisect_left(keys, values[0], key=_first)
    right = bisect.bisect_right(keys, values[-1], key=_first)  # the upper bound of a BETWEEN
    if operator == "BEGINS_WITH":
        return left, bisect.bisect_left(
            keys, True, left, n, key=lambda place: not place[0].startswith(values[0])
        )
    spans = {"=": (left, right), "<": (0, left), "<=": (0, right), ">": (right, n), ">=": (left, n)}
    return spans.get(operator) or (left, max(left, right))


def _first(place: SortKey) -> Any:
    return place[0]


def walk(table: Table, index: SecondaryIndex, found: IndexItems, asked: _Condition) -> tuple[list[Item], Any]:
    """The items moto's walk takes, and its LastEvaluatedKey."""
    partition = found.partitions.get(asked.partition, Partition())
    keys, n = partition.keys, len(partition.keys)
    casts = [operand.cast_value for operand in asked.operands]
    lo, hi = _bounds(keys, asked.operator, casts)
    step, position = (1, lo) if asked.forward else (-1, hi - 1)
    if asked.start is not None:
        where, place = asked.start
        if where != asked.partition:
            if (asked.partition < where) == asked.forward:
                position = n if asked.forward else -1  # moto skips every item of the partition
        elif asked.forward:
            position = max(position, bisect.bisect_right(keys, place))
        else:
            position = min(position, bisect.bisect_left(keys, place) - 1)

    def meets(at: int) -> bool:
        attribute = partition.items[keys[at]].attrs[found.names[1]]
        return asked.operator is None or bool(attribute.compare(asked.operator, asked.operands))

    if asked.operator is not None and ((lo > 0 and meets(lo - 1)) or (hi < n and meets(hi))):
        raise Unsupported("a sort key condition that is not one key range")
    taken: list[Item] = []
    size = 0
    while 0 <= position < n:
        item = partition.items[keys[position]]
        if len(taken) == asked.limit or size + item.size() > RESULT_SIZE_LIMIT:
            return taken, table._get_last_evaluated_key(taken[-1], index.name)
        if lo <= position < hi:
            if not meets(position):
                raise Unsupported("a sort key condition that is not one key range")
            taken.append(item)
            size += item.size()
        elif size + MAX_ITEM_BYTES <= RESULT_SIZE_LIMIT:
            break  # past the key condition, and no later item can end the page
        position += step
    return taken, None


def answer(table: Table, query: dict[str, Any]) -> Answer:
    """Table.query's answer for a Query on an index, without reading the rest of the table."""
    indexes = {index.name: index for index in table.all_indexes()}
    index = indexes.get(query["index_name"])
    if index is None:
        raise Unsupported("no such index")
    if query["consistent_read"] and isinstance(index, GlobalSecondaryIndex):
        raise Unsupported("a consistent read on a global index")
    with LOCK:
        try:
            found = index_items(table, index)
            taken, last_key = walk(table, index, found, _condition(found, index, query))
        except Unsupported:
            raise
        except Exception:
            TABLES.pop(table, None)  # read again whole next time
            raise
    results = [index.project(item) for item in copy.deepcopy(taken)]
    if query["filter_expression"] is not None:
        results = [item for item in results if query["filter_expression"].expr(item)]
    if query["projection_expressions"]:
        results = [item.project(query["projection_expressions"]) for item in results]
    return results, len(taken), last_key


def _note(reason: str) -> None:
    stats[reason] += 1
    if stats[reason] == 1:
        print(f"{NOTE}a Query answered by moto's own path: {reason}", flush=True)


def _answering(original: Callable[..., Answer]) -> Callable[..., Answer]:
    signature = inspect.signature(original)

    def query(self: Table, *args: Any, **kwargs: Any) -> Answer:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        asked = dict(bound.arguments)
        if asked["index_name"]:
            try:
                if asked["filter_kwargs"]:
                    raise Unsupported("a QueryFilter")
                found = answer(self, asked)
            except Unsupported as reason:
                _note(str(reason))
            except Exception as error:  # noqa: BLE001 - moto's own path answers, or raises its own error
                _note(f"{type(error).__name__} on the indexed path")
            else:
                stats["indexed"] += 1
                return found
        return original(self, *args, **kwargs)

    return query


def incompatibility() -> str | None:
    """Why this moto cannot be patched safely; None if it can."""
    if not moto.__version__.startswith(CHECKED_MOTO):
        return f"moto {moto.__version__} is not {CHECKED_MOTO}x"
    if " ".join(inspect.signature(Table.query).parameters) != _PARAMETERS:
        return "Table.query's parameters changed"
    needed = ["_generate_attr_to_sort_by", "_get_last_evaluated_key", "all_indexes", "put_item"]
    if not all(hasattr(Table, name) for name in needed) or not hasattr(DynamoDBBackend, "update_item"):
        return "moto's Table changed"
    return None


def install() -> Callable[[], None]:
    """Patches moto's DynamoDB models in this process; returns what undoes it. On a moto this does not
    know, nothing is patched and the server says so."""
    problem = incompatibility()
    if problem:
        print(f"{NOTE}moto's own, {problem}", flush=True)
        return lambda: None
    patches: list[tuple[type, str, Callable[[Any], Any]]] = [
        (Table, "query", _answering),
        (Table, "put_item", tracking_put),
        (Table, "delete_item", tracking_delete),
        (DynamoDBBackend, "update_item", tracking_update),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, wrap in patches:
        setattr(owner, name, wrap(getattr(owner, name)))

    def undo() -> None:
        for owner, name, original in saved:
            setattr(owner, name, original)
        with LOCK:
            TABLES.clear()
        if undo in _installed:
            _installed.remove(undo)

    _installed.append(undo)
    return undo


def read_restored() -> None:
    """The restored tables read into their indexes' items before the server listens, so that no first
    Query pays for it (the restore puts items into moto's tables directly)."""
    if _installed:
        read_all()

"""A repeatable random DynamoDB workload on secondary indexes, for the tests of precis.local.indexed_query.

Two tables: `docs` (hash key only) with global indexes sorted by a string, sorted by a number (KEYS_ONLY)
and without a sort key (INCLUDE); `parts` (hash and range key) with a global index sorted by a string, one
without a sort key, and a local index. Values come from small sets, so sort keys repeat and partitions
are shared; some items lack an index's keys (sparse indexes); one partition holds ~100 KB items, so pages
end at 1 MB. Every kind of write moves items between partitions or out of an index (PutItem, UpdateItem
SET/REMOVE/ADD on index keys, upserts, DeleteItem, BatchWriteItem, transactions that commit and that are
cancelled, PartiQL), and each Query is paginated through every page, forwards or backwards, with a
Limit, a sort key condition, a FilterExpression, a ProjectionExpression or Select COUNT; some are followed
while the item of each page's cursor is deleted, moved along the sort key or taken out of the index.

`run(client, step)` gives a step's answer on one endpoint (pages of a Query, without ResponseMetadata;
{"error": code} for a refusal), so two endpoints can be compared step by step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

_S, _N = "S", "N"
COLLECTIONS = ["a", "b", "c", "big"]
DATES = [
    "2026-01-01",
    "2026-01-02",
    "2026-01-15",
    "2026-02-01",
    "2026-02-10",
    "2026-03",
    "2026-03-01x",
    "2027",
]
PREFIXES = ["2026-01", "2026-02", "2026-03", "2027", "2", "2026-0", "3"]
RANKS = ["-3", "0", "1", "1.0", "1.5", "2", "10", "100", "100.00"]
KINDS = ["x", "y"]
LABELS = ["p", "q", "r"]
MAX_PAGES = 500


def _index(name: str, partition: str, sort: str | None, projection: dict[str, Any]) -> dict[str, Any]:
    schema = [{"AttributeName": partition, "KeyType": "HASH"}]
    if sort:
        schema.append({"AttributeName": sort, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": schema, "Projection": projection}


ALL = {"ProjectionType": "ALL"}
TABLES = [
    {
        "TableName": "docs",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": type_}
            for name, type_ in [("id", _S), ("coll", _S), ("at", _S), ("rank", _N), ("kind", _S)]
        ],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            _index("by-coll", "coll", "at", ALL),
            _index("by-rank", "coll", "rank", {"ProjectionType": "KEYS_ONLY"}),
            _index("by-kind", "kind", None, {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]}),
        ],
    },
    {
        "TableName": "parts",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": type_}
            for name, type_ in [("doc", _S), ("part", _N), ("coll", _S), ("at", _S), ("label", _S)]
        ],
        "KeySchema": [
            {"AttributeName": "doc", "KeyType": "HASH"},
            {"AttributeName": "part", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            _index("p-by-coll", "coll", "at", ALL),
            _index("p-by-label", "label", None, ALL),
        ],
        "LocalSecondaryIndexes": [_index("p-by-at", "doc", "at", ALL)],
    },
]
# index → (its table, partition key and its values, sort key and its type)
INDEXES = {
    "by-coll": ("docs", "coll", COLLECTIONS, "at", _S),
    "by-rank": ("docs", "coll", COLLECTIONS, "rank", _N),
    "by-kind": ("docs", "kind", KINDS, None, None),
    "p-by-coll": ("parts", "coll", COLLECTIONS, "at", _S),
    "p-by-label": ("parts", "label", LABELS, None, None),
    "p-by-at": ("parts", "doc", [f"d{n}" for n in range(0, 40, 3)], "at", _S),
}


@dataclass(frozen=True)
class Step:
    operation: str
    """A boto3 DynamoDB client method, or "query_pages" for a Query followed through every page."""
    request: dict[str, Any]


class Workload:
    """The steps of one seed: `load()` the tables, then `wave()` after wave of writes and Queries."""

    def __init__(self, seed: int, items: int = 120) -> None:
        self.rng = random.Random(seed)
        self.items = items
        self.written = {"docs": 0, "parts": 0}
        """How many items each table was given (their numbers: 1 to this)."""

    # --- items ---------------------------------------------------------------------------------------
    def doc(self, number: int) -> dict[str, Any]:
        rng = self.rng
        coll = rng.choices(COLLECTIONS, weights=[30, 30, 30, 8])[0]
        item: dict[str, Any] = {"id": {_S: f"d{number}"}, "title": {_S: f"title {rng.randrange(50)}"}}
        size = rng.randrange(100_000, 150_000) if coll == "big" else rng.randrange(10, 200)
        item["body"] = {_S: "w" * size}
        for name, values, chance in [("coll", [coll], 0.9), ("at", DATES, 0.85), ("kind", KINDS, 0.7)]:
            if rng.random() < chance:
                item[name] = {_S: rng.choice(values)}
        if rng.random() < 0.8:
            item["rank"] = {_N: rng.choice(RANKS)}
        return item

    def part(self, number: int) -> dict[str, Any]:
        rng = self.rng
        item: dict[str, Any] = {"doc": {_S: f"d{number % 40}"}, "part": {_N: str(number)}}
        for name, values, chance in [
            ("coll", COLLECTIONS[:3], 0.9),
            ("at", DATES, 0.8),
            ("label", LABELS, 0.7),
        ]:
            if rng.random() < chance:
                item[name] = {_S: rng.choice(values)}
        return item

    def key(self, table: str, number: int | None = None) -> dict[str, Any]:
        """An item's key: of `number`, else of one written (now and then of one that never was)."""
        if number is None:
            number = self.rng.randrange(1, self.written[table] + 5)
        if table == "docs":
            return {"id": {_S: f"d{number}"}}
        return {"doc": {_S: f"d{number % 40}"}, "part": {_N: str(number)}}

    def new(self, table: str) -> dict[str, Any]:
        self.written[table] += 1
        number = self.written[table]
        return self.doc(number) if table == "docs" else self.part(number)

    # --- steps ---------------------------------------------------------------------------------------
    def load(self) -> list[Step]:
        steps = [Step("create_table", table) for table in TABLES]
        for table in ("docs", "parts"):
            puts = [{"PutRequest": {"Item": self.new(table)}} for _ in range(self.items)]
            steps += [
                Step("batch_write_item", {"RequestItems": {table: puts[i : i + 25]}})
                for i in range(0, len(puts), 25)
            ]
        return steps

    def wave(self, writes: int = 40, queries: int = 30) -> list[Step]:
        steps = [self.write() for _ in range(writes)]
        steps += [self.query() for _ in range(queries)]
        steps += [self.churn() for _ in range(queries // 6)]
        return steps

    def churn(self) -> Step:
        """A Query followed page by page while the item of each page's cursor is written: deleted, moved
        along the index's sort key, or taken out of the index."""
        query = self.query()
        request = {k: v for k, v in query.request.items() if k not in ("Select", "ProjectionExpression")}
        request["Limit"] = self.rng.choice([1, 2, 3])
        table, partition, _, sort, _ = INDEXES[request["IndexName"]]
        leave = "at" if partition == "doc" else partition  # out of the index: a table key cannot go
        writes = [
            {"TableName": table, "UpdateExpression": "SET #w = :w", "ExpressionAttributeNames": {"#w": "at"}}
            | {"ExpressionAttributeValues": {":w": {_S: self.rng.choice(DATES)}}},
            {
                "TableName": table,
                "UpdateExpression": "REMOVE #w",
                "ExpressionAttributeNames": {"#w": leave},
            },
            {"TableName": table},
        ]
        if sort is None or sort != "at":
            writes[0] = writes[1]
        names = query.request["ExpressionAttributeNames"]
        if request.get("ProjectionExpression") is None:
            names = {k: v for k, v in names.items() if k != "#q"}
        return Step("query_pages_churn", request | {"ExpressionAttributeNames": names, "churn": writes})

    def write(self) -> Step:
        rng, table = self.rng, self.rng.choice(["docs", "parts"])
        kind = rng.choice(
            ["put", "put", "update", "update", "update", "delete", "batch", "transact", "partiql"]
        )
        if kind == "put":
            item = self.new(table) if rng.random() < 0.5 else {**self.new(table), **self.key(table)}
            return Step("put_item", {"TableName": table, "Item": item})
        if kind == "update":
            return self.update(table)
        if kind == "delete":
            return Step(
                "delete_item", {"TableName": table, "Key": self.key(table), "ReturnValues": "ALL_OLD"}
            )
        if kind == "batch":
            writes = [{"DeleteRequest": {"Key": self.key(table)}} for _ in range(3)]
            writes += [{"PutRequest": {"Item": self.new(table)}} for _ in range(4)]
            unique = {repr(w.get("DeleteRequest", w.get("PutRequest"))): w for w in writes}
            return Step("batch_write_item", {"RequestItems": {table: list(unique.values())}})
        if kind == "transact":
            return self.transaction()
        number = rng.randrange(1, self.written["docs"] + 1)
        return Step(
            "execute_statement",
            {
                "Statement": 'UPDATE "docs" SET coll=? WHERE id=?',
                "Parameters": [{_S: rng.choice(COLLECTIONS[:3])}, {_S: f"d{number}"}],
            },
        )

    def update(self, table: str) -> Step:
        rng = self.rng
        change = rng.choice(["move", "resort", "leave", "rank", "upsert"])
        names, values = {"#c": "coll", "#a": "at"}, {":c": {_S: rng.choice(COLLECTIONS[:3])}}
        values[":a"] = {_S: rng.choice(DATES)}
        expression = {
            "move": "SET #c = :c",
            "resort": "SET #a = :a",
            "leave": "REMOVE #a",
            "rank": "ADD #r :one",
            "upsert": "SET #c = :c, #a = :a",
        }[change if table == "docs" or change != "rank" else "move"]
        names = {k: v for k, v in {**names, "#r": "rank"}.items() if k in expression}
        values = {k: v for k, v in {**values, ":one": {_N: "1"}}.items() if k in expression}
        if change == "upsert":
            self.written[table] += 1
        key = self.key(table, self.written[table] if change == "upsert" else None)
        request = {
            "TableName": table,
            "Key": key,
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
        }
        if values:
            request["ExpressionAttributeValues"] = values
        return Step("update_item", request | {"ReturnValues": "ALL_NEW"})

    def transaction(self) -> Step:
        rng = self.rng
        first, second, third = self.new("docs"), self.key("parts"), self.key("docs")
        items: list[dict[str, Any]] = [
            {"Put": {"TableName": "docs", "Item": first}},
            {
                "Update": {
                    "TableName": "parts",
                    "Key": second,
                    "UpdateExpression": "SET #l = :l",
                    "ExpressionAttributeNames": {"#l": "label"},
                    "ExpressionAttributeValues": {":l": {_S: rng.choice(LABELS)}},
                }
            },
        ]
        if third != {"id": first["id"]}:
            items.append({"Delete": {"TableName": "docs", "Key": third}})
        if rng.random() < 0.3:  # cancelled: the first item exists only if this transaction commits
            items[0]["Put"]["ConditionExpression"] = "attribute_exists(#i)"
            items[0]["Put"]["ExpressionAttributeNames"] = {"#i": "id"}
        return Step("transact_write_items", {"TransactItems": items})

    def query(self) -> Step:
        rng = self.rng
        index = rng.choice(list(INDEXES))
        table, partition, partitions, sort, sort_type = INDEXES[index]
        names, values = {"#p": partition}, {":p": {_S: rng.choice([*partitions, "absent"])}}
        condition = "#p = :p"
        operator = rng.choice([None, "=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"]) if sort else None
        if sort and sort_type == _N and operator == "begins_with":
            operator = None
        if operator is not None:
            pool = DATES if sort_type == _S else [*RANKS, "5", "-10"]
            pick = [{sort_type: v} for v in sorted(rng.sample(pool, 2), key=_order(sort_type))]
            names["#s"] = str(sort)
            values[":s"] = pick[0]
            if operator == "BETWEEN":
                values[":t"] = pick[1]
                condition += " AND #s BETWEEN :s AND :t"
            elif operator == "begins_with":
                values[":s"] = {_S: rng.choice(PREFIXES)}
                condition += " AND begins_with(#s, :s)"
            else:
                condition += f" AND #s {operator} :s"
        request: dict[str, Any] = {
            "TableName": table,
            "IndexName": index,
            "KeyConditionExpression": condition,
        }
        limit = rng.choice([None, 1, 2, 3, 5, 8, 8, 20])
        if limit is not None:
            request["Limit"] = limit
        if rng.random() < 0.5:
            request["ScanIndexForward"] = False
        extra = rng.random()
        if extra < 0.25:
            request["FilterExpression"] = "attribute_exists(#f)" if table == "docs" else "#f <> :f"
            names["#f"] = "title" if table == "docs" else "label"
            if table == "parts":
                values[":f"] = {_S: "p"}
        elif extra < 0.4:
            request["ProjectionExpression"] = "#p, #q"
            names["#q"] = "title" if table == "docs" else "part"
        elif extra < 0.5:
            request["Select"] = "COUNT"
        return Step(
            "query_pages", request | {"ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
        )


def _order(sort_type: str):
    return (lambda value: float(value)) if sort_type == _N else (lambda value: value)


def run(client: Any, step: Step) -> Any:
    """The step's answer on the endpoint of `client`."""
    try:
        if not step.operation.startswith("query_pages"):
            answer = getattr(client, step.operation)(**step.request)
            answer.pop("ResponseMetadata", None)
            return answer["TableDescription"]["KeySchema"] if step.operation == "create_table" else answer
        request = dict(step.request)
        churn = request.pop("churn", [])
        pages: list[Any] = []
        while len(pages) < MAX_PAGES:
            page = client.query(**request)
            page.pop("ResponseMetadata", None)
            pages.append(page)
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = cursor = page["LastEvaluatedKey"]
            if churn:
                write = churn[len(pages) % len(churn)]
                key = {name: cursor[name] for name in ("id", "doc", "part") if name in cursor}
                operation = client.update_item if "UpdateExpression" in write else client.delete_item
                pages.append(operation(**write, Key=key).get("Attributes"))
        return pages
    except ClientError as error:
        return {"error": error.response["Error"]["Code"]}

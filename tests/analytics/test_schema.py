"""The Athena DDL and the DuckDB view declare the same `summaries` columns, in the same order."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from precis.analytics import duck
from precis.analytics.schema import ALL_COLUMNS, COLUMNS, PARTITIONS, PREFIX, SqlType, athena_ddl
from precis.template import load_stack

# How DuckDB's DESCRIBE spells each of the view's types.
_DESCRIBED = {
    SqlType.STRING: "VARCHAR",
    SqlType.TIMESTAMP: "TIMESTAMP",
    SqlType.INT: "INTEGER",
    SqlType.STRINGS: "VARCHAR[]",
    SqlType.ENTITIES: 'STRUCT("text" VARCHAR, "type" VARCHAR)[]',
}
_ATHENA = {t.athena: t for t in SqlType}


def _ddl_columns(ddl: str) -> list[tuple[str, SqlType]]:
    """(name, type) of the data columns then the partition columns, read back from the DDL text."""
    columns = re.search(r"\(\n(.*?)\n\)\nPARTITIONED BY \(\n(.*?)\n\)", ddl, re.S)
    assert columns, ddl
    lines = columns.group(1).split(",\n") + columns.group(2).split(",\n")
    parsed = [re.fullmatch(r"\s*`(\w+)` (.+)", line) for line in lines]
    return [(m.group(1), _ATHENA[m.group(2)]) for m in parsed if m]


def _described(connection) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in connection.execute("DESCRIBE summaries").fetchall()]


def _one_object(tmp_path: Path) -> Path:
    row = {
        "document_id": "a" * 32,
        "collection": "news",
        "title": "T",
        "published": "2026-11-25 01:02:03.456",
        "published_source": "json",
        "submitted_at": "2026-11-26 00:00:00.000",
        "completed_at": "2026-11-26 00:00:05.000",
        "status": "COMPLETED",
        "words_in": 900,
        "words_out": 80,
        "summary": "S.",
        "key_phrases": ["tidal power", "grid"],
        "entities": [{"text": "Orkney", "type": "PLACE"}],
        "source_uri": "s3://in/incoming/news/a.txt",
        "engine": "extractive",
        "model": "extractive-lexrank",
        "latency_ms": 5000,
    }
    body = gzip.compress((json.dumps(row) + "\n").encode())
    cache = tmp_path / "cache"
    duck.add_objects(cache, {f"{PREFIX}collection=news/day=2026-11-26/batch-1.json.gz": body})
    return cache


def test_ddl_and_view_declare_the_same_columns(tmp_path: Path) -> None:
    ddl = _ddl_columns(athena_ddl(f"s3://bucket/{PREFIX}"))
    assert [name for name, _ in ddl] == [c.name for c in ALL_COLUMNS]
    expected = [(name, _DESCRIBED[kind]) for name, kind in ddl]
    # Over real data and over an empty copy alike.
    assert _described(duck.connect(_one_object(tmp_path))) == expected
    assert _described(duck.connect(tmp_path / "empty")) == expected


def test_view_reads_an_object_with_its_partitions(tmp_path: Path) -> None:
    connection = duck.connect(_one_object(tmp_path))
    row = connection.execute(
        "SELECT collection, day, published, key_phrases[1], entities[1].type FROM summaries"
    ).fetchall()
    assert [tuple(map(str, r)) for r in row] == [
        ("news", "2026-11-26", "2026-11-25 01:02:03.456000", "tidal power", "PLACE")
    ]


def test_the_templates_glue_table_is_the_same_table() -> None:
    table = load_stack().resources["SummariesAnalyticsTable"].properties["TableInput"]
    storage = table["StorageDescriptor"]
    assert [(c["Name"], c["Type"]) for c in storage["Columns"]] == [(c.name, c.type.athena) for c in COLUMNS]
    assert [(c["Name"], c["Type"]) for c in table["PartitionKeys"]] == [
        (c.name, c.type.athena) for c in PARTITIONS
    ]
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.apache.hive.hcatalog.data.JsonSerDe"
    assert storage["Location"].endswith("/" + PREFIX)
    assert table["Parameters"]["projection.collection.type"] == "injected"

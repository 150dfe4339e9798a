"""The `summaries` table: its columns once, and the Athena DDL and the DuckDB view built from them.

The analytics copy is gzip JSON lines under `analytics/summaries/collection=<c>/day=<YYYY-MM-DD>/`
in the output bucket (`day`: the UTC day the record completed). Each line is one COMPLETED record
with the data columns below (and `collection`, which the table reads from the path, as Athena
does). Timestamps are UTC written as `YYYY-MM-DD HH:MM:SS.fff`, which both Hive's JSON SerDe and
DuckDB read as TIMESTAMP.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

TABLE = "summaries"
# Where the copy lives, below the output bucket; the template's Glue table and the writer agree on it.
PREFIX = "analytics/summaries/"
JSON_SERDE = "org.apache.hive.hcatalog.data.JsonSerDe"


class SqlType(Enum):
    """One logical type, spelled for each engine: (Athena/Hive DDL, DuckDB)."""

    STRING = ("string", "VARCHAR")
    TIMESTAMP = ("timestamp", "TIMESTAMP")
    INT = ("int", "INTEGER")
    STRINGS = ("array<string>", "VARCHAR[]")
    ENTITIES = ("array<struct<text:string,type:string>>", "STRUCT(text VARCHAR, type VARCHAR)[]")

    @property
    def athena(self) -> str:
        return self.value[0]

    @property
    def duckdb(self) -> str:
        return self.value[1]


@dataclass(frozen=True)
class Column:
    name: str
    type: SqlType
    description: str


# Data columns, in table order. Partition columns (below) come last, as Athena lists them.
COLUMNS: tuple[Column, ...] = (
    Column("document_id", SqlType.STRING, "the record's id (32 hex characters)"),
    Column("title", SqlType.STRING, "the article's title"),
    Column("published", SqlType.TIMESTAMP, "the article's own date, else its submission time"),
    Column(
        "published_source",
        SqlType.STRING,
        "where `published` came from (json, html meta, s3 metadata, pdf properties...), else submitted",
    ),
    Column("submitted_at", SqlType.TIMESTAMP, "when the upload was recorded (QUEUED)"),
    Column("completed_at", SqlType.TIMESTAMP, "when the record became COMPLETED"),
    Column("status", SqlType.STRING, "COMPLETED (only completed records are copied)"),
    Column("words_in", SqlType.INT, "words in the article"),
    Column("words_out", SqlType.INT, "words in the summary"),
    Column("summary", SqlType.STRING, "the summary (cut at a word past 100,000 bytes, as on the record)"),
    Column("key_phrases", SqlType.STRINGS, "up to 15 key phrases of the whole article, best first"),
    Column("entities", SqlType.ENTITIES, "named things {text, type}: ORG, PERSON, PLACE, PRODUCT, TICKER"),
    Column("source_uri", SqlType.STRING, "the uploaded object, s3://bucket/key"),
    Column("engine", SqlType.STRING, "extractive or transformers"),
    Column("model", SqlType.STRING, "the model that wrote the summary"),
    Column("latency_ms", SqlType.INT, "completed_at minus submitted_at, in milliseconds"),
)
PARTITIONS: tuple[Column, ...] = (
    Column("collection", SqlType.STRING, "the folder below incoming/ (partition)"),
    Column("day", SqlType.STRING, "UTC day the record completed, YYYY-MM-DD (partition)"),
)
ALL_COLUMNS: tuple[Column, ...] = COLUMNS + PARTITIONS


def athena_ddl(location: str, *, database: str = "precis", table: str = TABLE) -> str:
    """CREATE EXTERNAL TABLE for Athena (the template's Glue table declares the same columns)."""
    columns = ",\n".join(f"  `{c.name}` {c.type.athena}" for c in COLUMNS)
    partitions = ",\n".join(f"  `{c.name}` {c.type.athena}" for c in PARTITIONS)
    root = location.rstrip("/")
    return (
        f"CREATE EXTERNAL TABLE `{database}`.`{table}` (\n{columns}\n)\n"
        f"PARTITIONED BY (\n{partitions}\n)\n"
        f"ROW FORMAT SERDE '{JSON_SERDE}'\n"
        "STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'\n"
        "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n"
        f"LOCATION '{root}/'\n"
        "TBLPROPERTIES (\n"
        "  'projection.enabled'='true',\n"
        "  'projection.collection.type'='injected',\n"
        "  'projection.day.type'='date',\n"
        "  'projection.day.format'='yyyy-MM-dd',\n"
        "  'projection.day.range'='2020-01-01,NOW',\n"
        "  'projection.day.interval'='1',\n"
        "  'projection.day.interval.unit'='DAYS',\n"
        f"  'storage.location.template'='{root}/collection=${{collection}}/day=${{day}}/'\n"
        ")"
    )


def duckdb_view(source: str, *, table: str = TABLE) -> str:
    """CREATE VIEW over `source` (a DuckDB table function call yielding the data and partition columns)."""
    select = ", ".join(f"CAST({_quote(c.name)} AS {c.type.duckdb}) AS {_quote(c.name)}" for c in ALL_COLUMNS)
    return f"CREATE OR REPLACE VIEW {_quote(table)} AS SELECT {select} FROM {source}"


def duckdb_json_columns() -> str:
    """The `columns` argument of DuckDB's read_json for one analytics object's lines."""
    return "{" + ", ".join(f"'{c.name}': '{c.type.duckdb}'" for c in COLUMNS) + "}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

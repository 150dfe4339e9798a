"""A `summaries` table in an in-memory DuckDB, with the analytics copy's columns, for the analysis tests."""

from __future__ import annotations

from datetime import datetime

import duckdb

COLUMNS = (
    ("document_id", "VARCHAR"),
    ("collection", "VARCHAR"),
    ("title", "VARCHAR"),
    ("published", "TIMESTAMP"),
    ("published_source", "VARCHAR"),
    ("submitted_at", "TIMESTAMP"),
    ("completed_at", "TIMESTAMP"),
    ("status", "VARCHAR"),
    ("words_in", "INTEGER"),
    ("words_out", "INTEGER"),
    ("summary", "VARCHAR"),
    ("key_phrases", "VARCHAR[]"),
    ("entities", "STRUCT(text VARCHAR, type VARCHAR)[]"),
    ("source_uri", "VARCHAR"),
    ("engine", "VARCHAR"),
)


def summaries_table() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE summaries (" + ", ".join(f"{name} {kind}" for name, kind in COLUMNS) + ")"
    )
    return connection


def add(
    connection: duckdb.DuckDBPyConnection,
    document_id: str,
    published: datetime,
    phrases: list[str],
    names: list[str] = (),  # type: ignore[assignment]
    *,
    title: str = "",
    summary: str = "",
    collection: str = "news",
    status: str = "COMPLETED",
) -> None:
    connection.execute(
        "INSERT INTO summaries VALUES (?, ?, ?, ?, 'json', ?, ?, ?, 500, 60, ?, ?, ?, ?, 'extractive')",
        [
            document_id,
            collection,
            title or f"About {', '.join(phrases[:2])}",
            published,
            published,
            published,
            status,
            summary or " ".join(phrases),
            phrases,
            [{"text": name, "type": "ORG"} for name in names],
            f"s3://in/incoming/{collection}/{document_id}.txt",
        ],
    )

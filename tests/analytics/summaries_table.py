"""A `summaries` table in an in-memory DuckDB, with the analytics copy's columns
(precis.analytics.schema), for the analysis tests."""

from __future__ import annotations

from datetime import datetime

import duckdb

from precis.analytics.schema import ALL_COLUMNS


def summaries_table() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE summaries (" + ", ".join(f'"{c.name}" {c.type.duckdb}' for c in ALL_COLUMNS) + ")"
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
        "INSERT INTO summaries (document_id, collection, title, published, published_source, submitted_at, "
        "completed_at, status, words_in, words_out, summary, key_phrases, entities, source_uri, engine) "
        "VALUES (?, ?, ?, ?, 'json', ?, ?, ?, 500, 60, ?, ?, ?, ?, 'extractive')",
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

"""DuckDB over the analytics copy: objects read through the S3 API, kept in a local DuckDB cache.

DuckDB's httpfs extension is not in the wheel (and cannot be fetched offline), so `sync` lists the copy
with boto3 and loads each new or changed object (by ETag) once into a DuckDB database in the cache
directory (`summaries.duckdb`: the table's rows, each with the key of the object it came from, and the
objects loaded with their ETags); rows of objects that are gone or changed are dropped first. `connect`
then opens an in-memory DuckDB with that database attached read-only and the `summaries` view over it,
so a query reads DuckDB's own storage, never the JSON again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import duckdb

from precis.analytics.schema import (
    ALL_COLUMNS,
    COLUMNS,
    PARTITIONS,
    PREFIX,
    duckdb_json_columns,
    duckdb_view,
)

CACHE_FILE = "summaries.duckdb"
_FETCHERS = 8  # objects fetched at once (boto3 clients are thread-safe)


class AnalyticsError(Exception):
    """An analytics object, key or cache that cannot be read as the copy's layout says."""


@dataclass(frozen=True)
class SyncReport:
    objects: int  # objects in the copy
    fetched: int  # of which were new or changed and were loaded now
    removed: int  # objects dropped from the cache (gone from the copy, or changed)


def connect(cache: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the `summaries` view over a cache directory (see `sync`)."""
    connection = duckdb.connect()
    # DuckDB draws a progress bar on stdout for long queries; it would corrupt `--json` output.
    connection.execute("SET enable_progress_bar = false")
    database = cache / CACHE_FILE
    if database.is_file():
        connection.execute(f"ATTACH {_literal(str(database))} AS copy (READ_ONLY)")
        source = "copy.rows"
    else:
        source = "(SELECT " + ", ".join(f'NULL AS "{c.name}"' for c in ALL_COLUMNS) + " WHERE false)"
    connection.execute(duckdb_view(source).replace("CREATE OR REPLACE VIEW", "CREATE TEMP VIEW", 1))
    return connection


def open_copy(s3: Any, location: str, cache_root: Path) -> tuple[duckdb.DuckDBPyConnection, SyncReport]:
    """`sync` the copy at `location` (s3://bucket/prefix/, a stack's AnalyticsLocation output) into a
    cache below `cache_root`, then `connect` to it: the entry point of `precis sql`, trends and search."""
    bucket, prefix = split_location(location)
    cache = cache_root / _safe(bucket) / _safe(prefix)
    report = sync(s3, bucket, cache, prefix=prefix)
    return connect(cache), report


def split_location(location: str) -> tuple[str, str]:
    """`s3://bucket/prefix/` → (bucket, prefix)."""
    if not location.startswith("s3://") or not location.endswith("/") or "/" not in location[5:]:
        raise AnalyticsError(f"not an s3://bucket/prefix/ location: {location!r}")
    bucket, prefix = location[5:].split("/", 1)
    return bucket, prefix


def sync(
    s3: Any, bucket: str, cache: Path, *, prefix: str = PREFIX, listed: Mapping[str, str] | None = None
) -> SyncReport:
    """Brings the cache up to date with the copy in s3://bucket/prefix: loads new or changed objects.
    `listed`: the copy's `listing` when the caller has just taken it (else it is listed here)."""
    if listed is None:
        listed = listing(s3, bucket, prefix)
    with _cache(cache) as database:
        known = dict(database.execute("SELECT key, etag FROM objects").fetchall())
        stale = [key for key, etag in known.items() if listed.get(key) != etag]
        _drop(database, stale)
        wanted = {key: etag for key, etag in listed.items() if known.get(key) != etag}

        def fetch(key: str) -> bytes:
            return s3.get_object(Bucket=bucket, Key=key, IfMatch=f'"{wanted[key]}"')["Body"].read()

        with ThreadPoolExecutor(_FETCHERS) as pool:
            bodies = dict(zip(wanted, pool.map(fetch, wanted), strict=True))
        _load(database, prefix, bodies, wanted)
    return SyncReport(objects=len(listed), fetched=len(wanted), removed=len(stale))


def add_objects(
    cache: Path, objects: Mapping[str, bytes], *, prefix: str = PREFIX, tag: str = "local"
) -> None:
    """Loads analytics objects (gzip JSON lines, by key under `prefix`) into the cache without S3."""
    with _cache(cache) as database:
        _drop(database, list(objects))
        _load(database, prefix, dict(objects), dict.fromkeys(objects, tag))


def relative_key(key: str, prefix: str) -> PurePosixPath:
    """`collection=<c>/day=<d>/<name>.json.gz` below the prefix; AnalyticsError for any other key."""
    parts = PurePosixPath(key.removeprefix(prefix)).parts if key.startswith(prefix) else ()
    if (
        len(parts) != 3
        or not parts[0].startswith("collection=")
        or not parts[1].startswith("day=")
        or not parts[2].endswith(".json.gz")
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise AnalyticsError(f"not an analytics object key: {key!r}")
    return PurePosixPath(*parts)


@contextmanager
def _cache(cache: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    cache.mkdir(parents=True, exist_ok=True)
    try:
        database = duckdb.connect(str(cache / CACHE_FILE))
    except duckdb.IOException as error:
        raise AnalyticsError(f"the analytics cache {cache} is busy or unreadable: {error}") from None
    try:
        database.execute("SET enable_progress_bar = false")  # a long load must not draw on stdout
        columns = ", ".join(f'"{c.name}" {c.type.duckdb}' for c in ALL_COLUMNS)
        database.execute(f"CREATE TABLE IF NOT EXISTS rows ({columns}, _object VARCHAR)")
        database.execute("CREATE TABLE IF NOT EXISTS objects (key VARCHAR PRIMARY KEY, etag VARCHAR)")
        yield database
    finally:
        database.close()


def _drop(database: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
    if keys:
        database.execute("DELETE FROM rows WHERE _object IN (SELECT unnest(?))", [keys])
        database.execute("DELETE FROM objects WHERE key IN (SELECT unnest(?))", [keys])


def _load(
    database: duckdb.DuckDBPyConnection, prefix: str, bodies: dict[str, bytes], tags: dict[str, str]
) -> None:
    """One read_json over all the new objects (written to a scratch directory laid out like the copy,
    so the partitions come from the path, as Athena reads them)."""
    if not bodies:
        return
    with tempfile.TemporaryDirectory() as scratch:
        files = []
        for key, body in bodies.items():
            path = Path(scratch, relative_key(key, prefix))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            files.append(str(path))
        data = ", ".join(f'"{c.name}"' for c in COLUMNS)
        partitions = ", ".join(f'"{c.name}"' for c in PARTITIONS)
        hive_types = "{" + ", ".join(f"'{c.name}': 'VARCHAR'" for c in PARTITIONS) + "}"
        source_key = f"{_literal(prefix)} || substr(filename, {len(scratch) + 2})"  # after "<scratch>/"
        try:
            database.execute(
                f"INSERT INTO rows SELECT {data}, {partitions}, {source_key} "
                f"FROM read_json({_sql_list(files)}, format = 'newline_delimited', compression = 'gzip', "
                f"columns = {duckdb_json_columns()}, hive_partitioning = true, hive_types = {hive_types}, "
                "filename = true)"
            )
        except duckdb.Error as error:
            raise AnalyticsError(
                f"an analytics object is not JSON lines of the summaries table: {error}"
            ) from None
    database.executemany("INSERT OR REPLACE INTO objects VALUES (?, ?)", list(tags.items()))


def listing(s3: Any, bucket: str, prefix: str = PREFIX) -> dict[str, str]:
    """The copy's objects, key → ETag: what `sync` compares with the cache."""
    listed = {}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith(".json.gz"):
                listed[item["Key"]] = item["ETag"].strip('"')
    return listed


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)[:100] or "-"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join(_literal(p) for p in paths) + "]"

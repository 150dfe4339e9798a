"""DuckDB over the analytics copy: objects read through the S3 API, cached locally as Parquet.

DuckDB's httpfs extension is not in the wheel (and cannot be fetched offline), so `sync` lists the
copy with boto3 and converts each new or changed object (by ETag) once into a Parquet file under a
local cache laid out like the bucket (`collection=<c>/day=<d>/<name>.parquet`); `connect` then opens
DuckDB with the `summaries` view over that cache. A query reads Parquet, never the JSON again.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import duckdb

from precis.analytics.schema import ALL_COLUMNS, PARTITIONS, PREFIX, duckdb_json_columns, duckdb_view


class AnalyticsError(Exception):
    """An analytics object or path that does not fit the copy's layout."""


@dataclass(frozen=True)
class SyncReport:
    objects: int  # objects in the copy
    fetched: int  # of which were new or changed and were converted now
    removed: int  # cached files whose object is gone


def connect(cache: Path, *, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the `summaries` view over a cache directory (see `sync`/`cache_object`)."""
    connection = duckdb.connect(database)
    files = sorted(cache.glob("collection=*/day=*/*.parquet")) if cache.is_dir() else []
    if files:
        partitions = ", ".join(f"'{c.name}': 'VARCHAR'" for c in PARTITIONS)
        source = (
            f"read_parquet({_sql_list(files)}, hive_partitioning = true, hive_types = {{{partitions}}}, "
            "union_by_name = true)"
        )
    else:
        source = "(SELECT " + ", ".join(f'NULL AS "{c.name}"' for c in ALL_COLUMNS) + " WHERE false)"
    connection.execute(duckdb_view(source))
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


def sync(s3: Any, bucket: str, cache: Path, *, prefix: str = PREFIX) -> SyncReport:
    """Brings the cache up to date with the copy in s3://bucket/prefix: converts new or changed objects."""
    cache.mkdir(parents=True, exist_ok=True)
    wanted: set[Path] = set()
    fetched = 0
    for key, etag in _list(s3, bucket, prefix):
        target = cached_path(cache, key[len(prefix) :], etag)
        wanted.add(target)
        if not target.exists():
            body = s3.get_object(Bucket=bucket, Key=key, IfMatch=f'"{etag}"')["Body"].read()
            _convert(body, target)
            fetched += 1
    removed = 0
    for stale in cache.glob("collection=*/day=*/*.parquet"):
        if stale not in wanted:
            stale.unlink()
            removed += 1
    return SyncReport(objects=len(wanted), fetched=fetched, removed=removed)


def cache_object(cache: Path, relative_key: str, body: bytes, *, tag: str = "local") -> Path:
    """Converts one analytics object (gzip JSON lines) into the cache; `relative_key` is below the prefix."""
    target = cached_path(cache, relative_key, tag)
    _convert(body, target)
    return target


def cached_path(cache: Path, relative_key: str, etag: str) -> Path:
    parts = PurePosixPath(relative_key).parts
    if (
        len(parts) != 3
        or not parts[0].startswith("collection=")
        or not parts[1].startswith("day=")
        or not parts[2].endswith(".json.gz")
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise AnalyticsError(f"not an analytics object key: {relative_key!r}")
    stem = parts[2].removesuffix(".json.gz")
    return cache / parts[0] / parts[1] / f"{stem}.{_safe(etag)}.parquet"


def _convert(body: bytes, target: Path) -> None:
    """gzip JSON lines → one Parquet file with the data columns typed as the table declares them."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "object.json.gz"
        source.write_bytes(body)
        partial = Path(scratch) / "object.parquet"
        try:
            with duckdb.connect() as connection:
                connection.execute(
                    f"COPY (SELECT * FROM read_json('{source}', format = 'newline_delimited', "
                    f"compression = 'gzip', columns = {duckdb_json_columns()})) "
                    f"TO '{partial}' (FORMAT parquet, COMPRESSION zstd)"
                )
        except duckdb.Error as error:
            raise AnalyticsError(f"{target.name}: not JSON lines of the summaries table: {error}") from None
        shutil.move(partial, target)  # the scratch directory may be on another file system


def _list(s3: Any, bucket: str, prefix: str) -> Iterator[tuple[str, str]]:
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith(".json.gz"):
                yield item["Key"], item["ETag"].strip('"')


def _safe(tag: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in tag)[:64]


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"

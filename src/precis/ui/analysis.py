"""Search, trends and the digest for the reading room: `precis search`, `trends` and `digest`'s own
functions (precis.analytics) over the stack's analytics copy, read as `precis sql` reads it.

The copy is checked for new objects at most every REFRESH_SECONDS (one S3 listing); only when the
listing changed is the DuckDB view closed (DuckDB lets one process open the cache file one way at a
time), the new objects converted, the view opened again and the new summaries indexed, so a page
waits for no more than what arrived since the last one. The cache and the index are the reading
room's own (under .precis/ui/), so `precis search` run beside it never meets its index file locked.
DuckDB connections are not shared between threads: one lock serializes the analysis.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from precis_summarizer.encoder import SentenceEncoder

from precis import paths
from precis.analytics.digest import Digest, Failure, build_digest
from precis.analytics.duck import connect, listing, split_location, sync
from precis.analytics.periods import Grain, calendar, parse_when, utc_naive
from precis.analytics.search import DEFAULT_LIMIT, Hit, search
from precis.analytics.search_index import SearchIndex
from precis.analytics.trends import Trends, trends
from precis.cli.digest import failed_records
from precis.cli.resources import StackResources
from precis.cli.selection import parse_duration, parse_since
from precis.cli.sql import ANALYTICS_OUTPUT
from precis.ui.library import Library

REFRESH_SECONDS = 15.0
STATE_ROOT = paths.project_root() / ".precis" / "ui"


@dataclass(frozen=True)
class TrendChoice:
    """What the trends page was asked for: a collection (or all), a grain and how far back."""

    collection: str | None
    by: Grain
    since: str | None
    digest: str  # the digest's period, a duration (7d)


class Analysis:
    """The analytics copy of one stack, its search index and the analysis functions over them."""

    def __init__(self, resources: StackResources, library: Library, state: Path | None = None) -> None:
        """`state`: where the Parquet cache and the search index live (default: STATE_ROOT/<location>)."""
        self._resources = resources
        self._state = state
        self._s3 = resources.target.client("s3")
        self._library = library
        self._lock = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._index: SearchIndex | None = None
        self._encoder: SentenceEncoder | None = None
        self._checked = float("-inf")
        self._listed: dict[str, str] | None = None  # the copy's objects when the cache was last synced

    def search(self, query: str, collection: str | None = None, limit: int = DEFAULT_LIMIT) -> list[Hit]:
        with self._lock:
            index = self._fresh_index()
            return search(index, query, collection or None, None, limit)

    def trends(self, choice: TrendChoice, now: datetime | None = None) -> Trends:
        now = now or datetime.now(UTC)
        since = parse_when(choice.since, now) if choice.since else None
        periods = calendar(choice.by, since, None, now)
        with self._lock:
            self._fresh_index()
            assert self._connection is not None
            return trends(self._connection, periods, choice.collection or None)

    def digest(self, collection: str, period: str, now: datetime | None = None) -> Digest:
        now = now or datetime.now(UTC)
        length = parse_duration(period)
        failures = self._failures(collection, now - length)
        with self._lock:
            self._fresh_index()
            assert self._connection is not None
            return build_digest(self._connection, collection, length, utc_naive(now), failures)

    def _failures(self, collection: str, since: datetime) -> list[Failure]:
        """The collection's FAILED records of the period, from its index (the digest's last section)."""
        return failed_records(self._library.store, collection, parse_since(since.isoformat()))

    def _fresh_index(self) -> SearchIndex:
        """The index over the copy as it is now (checked at most every REFRESH_SECONDS)."""
        if self._index is not None and time.monotonic() - self._checked < REFRESH_SECONDS:
            return self._index
        location = self._resources.output(ANALYTICS_OUTPUT)  # TargetError when the stack has no copy
        state = self._state or STATE_ROOT / hashlib.sha256(location.encode()).hexdigest()[:16]
        bucket, prefix = split_location(location)
        listed = listing(self._s3, bucket, prefix)
        self._checked = time.monotonic()
        if self._index is not None and listed == self._listed:
            return self._index
        if self._connection is not None:
            # The cache and index files are attached to this connection: sync must open them itself.
            self._connection.close()
            self._connection, self._index = None, None
        sync(self._s3, bucket, state / "copy", prefix=prefix, listed=listed)
        self._listed = listed
        self._connection = connect(state / "copy")
        if self._encoder is None:
            self._encoder = SentenceEncoder.load()
        self._index = SearchIndex(self._connection, state / "search", self._encoder)
        self._index.update()
        return self._index

"""Which records a command works on: by id, by S3 URI, or by status/collection/time through the GSIs.

Every selection is a DynamoDB query on a key or an index, never a scan, read one page at a time.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from precis_core.domain.ids import document_id, parse_inference_id, timestamp
from precis_core.domain.models import S3Location, Status, SummaryRecord

from precis.analytics import periods
from precis.cli.console import EXIT_USAGE, fail

if TYPE_CHECKING:  # boto3's stubs are a dev dependency; the store's module imports boto3
    from mypy_boto3_s3 import S3Client
    from precis_core.adapters.summary_store import SummaryStore

_DOCUMENT_ID = re.compile(r"^[0-9a-f]{32}$")
_PAGE = 100
T = TypeVar("T")
S = TypeVar("S", bound=str | None)


class SelectionError(ValueError):
    """The user's --since, id or URI cannot be understood; the message says what is accepted."""


SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Submitted at or after: a duration ago (6h, 2d), a date or an ISO time."),
]


def checked(parse: Callable[[S], T], text: S) -> T:
    """`parse(text)`, a usage error (exit 2) with the parser's explanation when the user's text is wrong."""
    try:
        return parse(text)
    except SelectionError as error:
        raise fail(str(error), EXIT_USAGE) from None


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `6h`, `2d`, `1w` → a timedelta."""
    try:
        return periods.parse_duration(text)
    except periods.WhenError as error:
        raise SelectionError(str(error)) from None


def parse_since(text: str | None, now: datetime | None = None) -> str | None:
    """`--since` as the table's timestamp format: a duration ago (`6h`), a date or an ISO-8601 time."""
    if not text:
        return None
    try:
        moment = periods.parse_when(text, now or datetime.now(UTC))
    except periods.WhenError:
        raise SelectionError(
            f"--since {text!r}: use a duration (6h, 2d), a date (2026-11-24) or an ISO-8601 time"
        ) from None
    return timestamp(moment.replace(tzinfo=UTC))


def find_record(store: SummaryStore, reference: str, s3: S3Client | None = None) -> SummaryRecord | None:
    """A record by document id, inference id (`<document_id>-<attempt>`) or the article's s3:// URI."""
    reference = reference.strip()
    if reference.startswith("s3://"):
        if s3 is None:
            raise SelectionError("an s3:// reference needs S3 access")
        return first_record(store, candidate_ids_of_object(s3, reference))
    if _DOCUMENT_ID.match(reference):
        return store.get(reference)
    try:
        doc, _ = parse_inference_id(reference)
    except ValueError:
        raise SelectionError(
            f"{reference!r} is not a document id (32 hex characters), an inference id or an s3:// URI"
        ) from None
    return store.get(doc)


def candidate_ids_of_object(s3: S3Client, uri: str) -> tuple[str, ...]:
    """The ids the submit function may have given this object version (see `candidate_ids`)."""
    try:
        location = S3Location.parse(uri.split("?", 1)[0])
    except ValueError as error:
        raise SelectionError(str(error)) from None
    version = _query_version(uri)
    from botocore.exceptions import ClientError  # loaded already: `s3` is a client

    try:
        versioned: dict[str, Any] = {"VersionId": version} if version else {}
        head = s3.head_object(Bucket=location.bucket, Key=location.key, **versioned)
    except ClientError as error:
        if error.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound", "403"}:
            raise SelectionError(f"no object at {uri}") from None
        raise
    return candidate_ids(location.bucket, location.key, head)


def candidate_ids(bucket: str, key: str, response: Mapping[str, Any]) -> tuple[str, ...]:
    """Document ids from a PutObject/HeadObject response: by VersionId, then by ETag.

    The submit function uses the event's versionId when it has one, else its eTag. S3 sends versionId
    for versioned buckets, but moto's notifications leave it out, so offline the ETag decides.
    """
    etag = response["ETag"].strip('"')
    version = response.get("VersionId")
    ids = [document_id(bucket, key, version)] if version and version != "null" else []
    return (*ids, document_id(bucket, key, etag))


def first_record(store: SummaryStore, ids: Iterable[str]) -> SummaryRecord | None:
    """The record of the first id that has one."""
    for candidate in ids:
        record = store.get(candidate)
        if record is not None:
            return record
    return None


def _query_version(uri: str) -> str | None:
    _, _, query = uri.partition("?")
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name == "versionId" and value:
            return value
    return None


def select(
    store: SummaryStore,
    *,
    status: Status | None = None,
    collection: str | None = None,
    since: str | None = None,
) -> Iterator[SummaryRecord]:
    """Matching records, newest first, fetched a page at a time from the right index."""
    if collection:
        records = _pages(
            lambda cursor: store.query_by_collection(collection, since=since, cursor=cursor, limit=_PAGE)
        )
        return (record for record in records if status is None or record.status is status)
    statuses = [status] if status else list(Status)
    streams = [
        _pages(lambda cursor, s=s: store.query_by_status(s, since=since, cursor=cursor, limit=_PAGE))
        for s in statuses
    ]
    return heapq.merge(*streams, key=lambda record: record.submitted_at, reverse=True)


def _pages(query) -> Iterator[SummaryRecord]:
    cursor = None
    while True:
        page = query(cursor)
        yield from page.records
        if page.cursor is None:
            return
        cursor = page.cursor


def first(records: Iterable[SummaryRecord], limit: int | None) -> list[SummaryRecord]:
    out: list[SummaryRecord] = []
    for record in records:
        if limit is not None and len(out) >= limit:
            break
        out.append(record)
    return out

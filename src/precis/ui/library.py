"""What the reading room shows from the records: collections, a collection's documents a page at a time,
one document, and the two things a reader changes: a retry and an upload.

Everything is a DynamoDB Query on a key or an index (never a Scan) or an S3 call, on the clients of the
stack the command chose. A retry goes through the submit service (`precis retry`'s own call), and an
upload is a PutObject under `incoming/<collection>/` like any other upload.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from precis_core import composition
from precis_core.adapters.articles import CONTENT_TYPES
from precis_core.adapters.dynamodb_items import from_item, to_item
from precis_core.adapters.summary_store import BY_COLLECTION, SummaryStore
from precis_core.domain.models import S3Location, Status, SummaryRecord
from precis_core.services.submit import DEFAULT_COLLECTION, SubmitResult

from precis.cli.recovery import submit_settings
from precis.cli.resources import INPUT_PREFIX, StackResources
from precis.cli.selection import candidate_ids
from precis.cli.submit import COLLECTION_NAME

PAGE_SIZE = 50
DOCUMENT_ID = re.compile(r"^[0-9a-f]{32}$")
# A file name as it may end a key: no folders, no control characters, a supported suffix.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
_CURSOR_KEYS = {"document_id", "collection", "submitted_at"}


class LibraryError(ValueError):
    """A reader's request that cannot be done (bad name, size, cursor); the message says why."""


@dataclass(frozen=True)
class CollectionSummary:
    name: str
    counts: dict[str, int]
    newest: str | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class DocumentPage:
    records: list[SummaryRecord]
    next_cursor: str | None


@dataclass(frozen=True)
class DocumentView:
    record: SummaryRecord
    key_phrases: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    published: str | None = None


@dataclass(frozen=True)
class Uploaded:
    key: str
    document_ids: tuple[str, ...]


@dataclass(frozen=True)
class Original:
    name: str
    body: bytes


class Library:
    """The records and uploads of one stack, on clients made once."""

    def __init__(self, resources: StackResources) -> None:
        self.resources = resources
        self.s3 = resources.target.client("s3")
        self.dynamodb = resources.target.client("dynamodb")
        self.store = SummaryStore(resources.table_name, self.dynamodb)
        self.max_input_bytes = resources.number("MaxInputBytes")
        self._submit = composition.submit_service(
            submit_settings(resources), resources.target.client_factory()
        )

    def collections(self) -> list[CollectionSummary]:
        """Every folder under incoming/ (and `default` for files at the top), with counts by status."""
        names: set[str] = set()
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(
            Bucket=self.resources.input_bucket, Prefix=INPUT_PREFIX, Delimiter="/"
        ):
            for prefix in page.get("CommonPrefixes", []):
                names.add(prefix["Prefix"][len(INPUT_PREFIX) :].rstrip("/"))
            if page.get("Contents"):
                names.add(DEFAULT_COLLECTION)
        return [self.collection_summary(name) for name in sorted(n for n in names if n)]

    def collection_summary(self, name: str) -> CollectionSummary:
        """Counts by status and the newest submission, from the collection index (status only read)."""
        counts: Counter[str] = Counter({status.value: 0 for status in Status})
        newest: str | None = None
        request: dict[str, Any] = {
            "TableName": self.resources.table_name,
            "IndexName": BY_COLLECTION.name,
            "KeyConditionExpression": "#c = :c",
            "ProjectionExpression": "#s, submitted_at",
            "ExpressionAttributeNames": {"#c": BY_COLLECTION.key, "#s": "status"},
            "ExpressionAttributeValues": to_item({":c": name}),
            "ScanIndexForward": False,
        }
        while True:
            response = self.dynamodb.query(**request)
            for item in response.get("Items", []):
                values = from_item(item)
                counts[values["status"]] += 1
                newest = newest or values.get("submitted_at")
            if "LastEvaluatedKey" not in response:
                return CollectionSummary(name, dict(counts), newest)
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def documents(self, collection: str, cursor: str | None = None, size: int = PAGE_SIZE) -> DocumentPage:
        """One page of a collection's documents, newest first (a Query on the collection index)."""
        if not collection or len(collection) > 1024:
            raise LibraryError("no such collection")
        start = decode_cursor(cursor, collection) if cursor else None
        page = self.store.query_by_collection(collection, limit=size, cursor=start)
        return DocumentPage(page.records, encode_cursor(page.cursor) if page.cursor else None)

    def statuses(self, document_ids: list[str]) -> dict[str, str]:
        """The current status of each document (missing ones left out)."""
        found = {}
        for document in document_ids:
            record = self.store.get(checked_document_id(document))
            if record is not None:
                found[document] = record.status.value
        return found

    def document(self, document: str) -> DocumentView | None:
        """One record, with the key phrases, names and publication date when the record has them."""
        response = self.dynamodb.get_item(
            TableName=self.resources.table_name,
            Key=to_item({"document_id": checked_document_id(document)}),
            ConsistentRead=True,
        )
        if "Item" not in response:
            return None
        values = from_item(response["Item"])
        names = [
            str(entity.get("text")) if isinstance(entity, dict) else str(entity)
            for entity in values.get("entities") or []
        ]
        return DocumentView(
            record=SummaryRecord.from_dict(values),
            key_phrases=[str(phrase) for phrase in values.get("key_phrases") or []],
            names=[name for name in names if name],
            published=values.get("published"),
        )

    def retry(self, document: str) -> SubmitResult:
        """The document submitted again as attempt + 1 (`precis retry`'s service call)."""
        return self._submit.retry(checked_document_id(document))

    def original(self, document: str) -> Original | None:
        """The uploaded object the record was made from (the version it names, when it names one)."""
        view = self.document(document)
        if view is None:
            return None
        location = S3Location.parse(view.record.input_location)
        version = view.record.version_id
        if version and version != "null":
            stored = self.s3.get_object(Bucket=location.bucket, Key=location.key, VersionId=version)
        else:
            stored = self.s3.get_object(Bucket=location.bucket, Key=location.key)
        body = stored["Body"].read()
        return Original(PurePosixPath(location.key).name, body)

    def upload(self, collection: str, filename: str, body: bytes) -> Uploaded:
        """Puts one file under incoming/<collection>/ after the checks the submit function makes first."""
        checked_collection(collection)
        name = checked_file_name(filename)
        if not body:
            raise LibraryError(f"{name} is empty")
        if len(body) > self.max_input_bytes:
            raise LibraryError(
                f"{name} is {len(body):,} bytes; this stack takes at most {self.max_input_bytes:,}"
            )
        key = f"{INPUT_PREFIX}{collection}/{name}"
        bucket = self.resources.input_bucket
        response = self.s3.put_object(
            Bucket=bucket, Key=key, Body=body, ContentType=CONTENT_TYPES[PurePosixPath(name).suffix.lower()]
        )
        return Uploaded(key=key, document_ids=candidate_ids(bucket, key, response))


def checked_collection(name: str) -> str:
    if not COLLECTION_NAME.match(name):
        raise LibraryError(f"{name!r} is not a collection name: use letters, digits, '.', '_' or '-'")
    return name


def checked_document_id(document: str) -> str:
    if not DOCUMENT_ID.match(document):
        raise LibraryError(f"{document!r} is not a document id (32 hex characters)")
    return document


def checked_file_name(filename: str) -> str:
    """The name a browser sent, as the last part of a key: a supported type, no folders or controls."""
    name = filename.strip()
    if not name or _UNSAFE_NAME.search(name) or name in {".", ".."} or len(name.encode()) > 255:
        raise LibraryError(f"{filename!r} cannot be a file name here")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in CONTENT_TYPES:
        supported = ", ".join(sorted(CONTENT_TYPES))
        raise LibraryError(f"{name}: unsupported file type; supported: {supported}")
    return name


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(from_item(key), sort_keys=True).encode()).decode()


def decode_cursor(cursor: str, collection: str) -> dict[str, Any]:
    """A page cursor back as the query's ExclusiveStartKey; only a key of this collection is accepted."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise LibraryError("that page link is damaged: start from the first page") from None
    if (
        not isinstance(values, dict)
        or set(values) != _CURSOR_KEYS
        or not all(isinstance(value, str) for value in values.values())
        or values["collection"] != collection
        or not DOCUMENT_ID.match(values["document_id"])
    ):
        raise LibraryError("that page link is not one of this collection's pages")
    return to_item(values)

"""The summaries table's index queries, as requests and pages (SummaryStore runs them on its client).

Three global secondary indexes: `by-status` and `by-collection` (sort key `submitted_at`), and
`by-published` (partition `collection`, sort key `published`: every record has a `published`, its
article's own date or the day it was submitted). A period of a collection is one Query, never a Scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from precis_core.adapters.dynamodb_items import from_item, to_item
from precis_core.domain.models import SummaryRecord

if TYPE_CHECKING:  # the stubs are a dev dependency: the layer needs none of them at run time
    from mypy_boto3_dynamodb import DynamoDBClient


@dataclass(frozen=True)
class RecordIndex:
    """A global secondary index of the table: its name and its partition key (sort key `submitted_at`)."""

    name: str
    key: str


BY_STATUS = RecordIndex("by-status", "status")
BY_COLLECTION = RecordIndex("by-collection", "collection")
BY_PUBLISHED = "by-published"


@dataclass(frozen=True)
class Page:
    """One page of a query; pass `cursor` back to get the next one (None when there is no more)."""

    records: list[SummaryRecord]
    cursor: dict[str, Any] | None


class QueryOptions(TypedDict, total=False):
    """A query's optional bounds: submitted at or after `since`, at most `limit` records (100), from
    `cursor` (a Page's), newest first unless `newest_first` is False."""

    since: str | None
    limit: int
    cursor: dict[str, Any] | None
    newest_first: bool


def index_request(
    table: str, index: RecordIndex, key: str, *, since: str | None, limit: int, newest_first: bool
) -> dict[str, Any]:
    """The Query of the records whose `index.key` is `key`, submitted at or after `since`."""
    condition = "#key = :key"
    values: dict[str, Any] = {":key": key}
    if since:
        condition += " AND submitted_at >= :since"
        values[":since"] = since
    return {
        "TableName": table,
        "IndexName": index.name,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": {"#key": index.key},
        "ExpressionAttributeValues": to_item(values),
        "Limit": limit,
        "ScanIndexForward": not newest_first,
    }


def published_request(
    table: str, collection: str, *, start: str, end: str, limit: int, newest_first: bool
) -> dict[str, Any]:
    """The Query of a collection's records published from `start` to `end` (YYYY-MM-DD, both included)."""
    return {
        "TableName": table,
        "IndexName": BY_PUBLISHED,
        "KeyConditionExpression": "#collection = :collection AND #published BETWEEN :start AND :end",
        "ExpressionAttributeNames": {"#collection": "collection", "#published": "published"},
        "ExpressionAttributeValues": to_item({":collection": collection, ":start": start, ":end": end}),
        "Limit": limit,
        "ScanIndexForward": not newest_first,
    }


def read_page(client: DynamoDBClient, request: dict[str, Any], cursor: dict[str, Any] | None) -> Page:
    """One page of a Query, from `cursor` on."""
    if cursor:
        request = {**request, "ExclusiveStartKey": cursor}
    response = client.query(**request)
    records = [SummaryRecord.from_dict(from_item(item)) for item in response.get("Items", [])]
    return Page(records, response.get("LastEvaluatedKey"))

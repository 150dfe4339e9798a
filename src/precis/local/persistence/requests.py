"""Which of the journal's entities an AWS request may change, read from the request alone.

Only writes are journaled: S3 requests other than GET/HEAD, and the DynamoDB actions that change a
table or its items. What a write changed is then read back from moto (`entities.capture`), so each
record holds the entity's state after the write, whatever the action was: a CopyObject, a multipart
completion or an UpdateItem's expression all come down to the resulting object or item.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ElementTree
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from moto.core.responses import BaseResponse
from moto.iam.models import get_account_id_from

from precis.local.persistence import entities
from precis.local.persistence.journal import Entity

_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/([^/,]+)/([^/,]+)/aws4_request")
_ITEM_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
_TABLE_WRITES = {
    "CreateTable",
    "UpdateTable",
    "DeleteTable",
    "UpdateTimeToLive",
    "TagResource",
    "UntagResource",
    "UpdateContinuousBackups",
}
_STATEMENTS = {"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"}
_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def service_of(environ: dict[str, Any]) -> str | None:
    """'s3', 'dynamodb', or None for a request the journal ignores (reads and other services)."""
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        return "dynamodb"
    if environ["REQUEST_METHOD"] in _READ_METHODS:
        return None
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", "")) or _SCOPE.search(
        "Credential=" + unquote(environ.get("QUERY_STRING", "")).partition("X-Amz-Credential=")[2]
    )
    return "s3" if scope and scope.group(2) == "s3" else None


def region_of(environ: dict[str, Any]) -> str:
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return scope.group(1) if scope else os.environ.get("AWS_DEFAULT_REGION", "us-east-1")


def account_of(environ: dict[str, Any]) -> str:
    """The account moto serves the request as (the same steps as moto's BaseResponse)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if "HTTP_X_MOTO_ACCOUNT_ID" in environ:
        return environ["HTTP_X_MOTO_ACCOUNT_ID"]
    match = BaseResponse.access_key_regex.search(environ.get("HTTP_AUTHORIZATION", ""))
    return get_account_id_from(match.group(1) if match else "AKIAEXAMPLE")


# --- S3 ------------------------------------------------------------------------------------------------
def s3_target(environ: dict[str, Any]) -> tuple[str, str | None, dict[str, list[str]]]:
    """(bucket, key or None, query) of a path-style or virtual-hosted request."""
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
    parts = urlsplit(raw)
    path = unquote(parts.path)
    query = parse_qs(parts.query or environ.get("QUERY_STRING", ""), keep_blank_values=True)
    host = environ.get("HTTP_HOST", "").split(":")[0]
    if host.endswith(".localhost") or ".s3." in host or host.endswith(".s3.amazonaws.com"):
        return host.split(".")[0], path.lstrip("/") or None, query
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key or None, query


def s3_entities(environ: dict[str, Any], body: bytes, response: bytes) -> list[Entity]:
    """The bucket, key or upload an S3 write may have changed."""
    bucket, key, query = s3_target(environ)
    if not bucket:
        return []
    account = entities.bucket_owner(bucket) or account_of(environ)
    if key is None:
        if "delete" in query:
            return [("key", account, bucket, name) for name in _deleted_keys(body)]
        return [("bucket", account, bucket)]
    changed: list[Entity] = [("key", account, bucket, key)]
    upload = query.get("uploadId", [None])[0] or (_upload_id(response) if "uploads" in query else None)
    if upload:
        changed.append(("multipart", account, bucket, upload))
    return changed


def _deleted_keys(body: bytes) -> list[str]:
    """The keys of a DeleteObjects request."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    return sorted({element.text or "" for element in root.iter() if element.tag.endswith("Key")})


def _upload_id(response: bytes) -> str | None:
    match = re.search(rb"<UploadId>([^<]+)</UploadId>", response)
    return match.group(1).decode() if match else None


# --- DynamoDB ----------------------------------------------------------------------------------------
def dynamodb_action(environ: dict[str, Any]) -> str | None:
    """The action if it writes (PutItem, CreateTable, ...), else None."""
    action = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")[2]
    writes = _ITEM_WRITES | _TABLE_WRITES | _STATEMENTS | {"BatchWriteItem", "TransactWriteItems"}
    return action if action in writes else None


def dynamodb_entities(environ: dict[str, Any], action: str, request: dict) -> list[Entity]:
    """The tables and items the action may have changed."""
    account, region = account_of(environ), region_of(environ)
    tables = entities.dynamodb_tables(account, region)

    def item(name_or_arn: str, attributes: dict) -> list[Entity]:
        table_name = table_name_of(tables, name_or_arn)
        table = tables.get(table_name)
        if table is None or table.hash_key_attr not in attributes:
            return []
        return [("item", account, region, table_name, entities.item_key(table, attributes))]

    if action in ("PutItem",):
        return item(request.get("TableName", ""), request.get("Item", {}))
    if action in ("UpdateItem", "DeleteItem"):
        return item(request.get("TableName", ""), request.get("Key", {}))
    if action == "BatchWriteItem":
        found: list[Entity] = []
        for table_name, writes in request.get("RequestItems", {}).items():
            for write in writes:
                put, delete = write.get("PutRequest", {}), write.get("DeleteRequest", {})
                found += item(table_name, put.get("Item") or delete.get("Key") or {})
        return found
    if action == "TransactWriteItems":
        found = []
        for write in request.get("TransactItems", []):
            for kind in ("Put", "Update", "Delete"):
                if kind in write:
                    part = write[kind]
                    found += item(part.get("TableName", ""), part.get("Item") or part.get("Key") or {})
        return found
    if action in _STATEMENTS:  # PartiQL: every item of every table of the region, as it is after
        return [
            entity
            for name, table in tables.items()
            for entity in [("table", account, region, name), *entities.item_entities(account, region, name)]
        ]
    name = table_name_of(tables, request.get("TableName") or str(request.get("ResourceArn", "")))
    return [("table", account, region, name)] if name else []


def table_name_of(tables: dict[str, Any], name_or_arn: str) -> str:
    """The table's name: DynamoDB takes a table's ARN wherever it takes its name (and moto does too)."""
    if name_or_arn in tables or not name_or_arn.startswith("arn:"):
        return name_or_arn
    for name, table in tables.items():
        if getattr(table, "table_arn", None) == name_or_arn:
            return name
    # A table just deleted, or one in another account or region: the name its ARN gives
    return name_or_arn.partition(":table/")[2].partition("/")[0]


def parse_json(body: bytes) -> dict:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}

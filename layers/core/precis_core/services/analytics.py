"""The analytics copy: COMPLETED records, from the table's stream, as gzip JSON lines in S3.

AnalyticsFunction gets a batch of DynamoDB stream records (NEW_AND_OLD_IMAGES, at most BatchSize of
them or what arrived within MaximumBatchingWindowInSeconds) and writes one object per collection and
UTC day of completion in the batch (adapters.analytics_copy), rows as domain.analytics_rows makes them.
A retried batch starts at the same sequence number and so overwrites its own object.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from precis_core.adapters.analytics_copy import AnalyticsCopy, WrittenObject
from precis_core.adapters.dynamodb_items import from_item
from precis_core.domain.analytics_rows import analytics_row
from precis_core.domain.models import Status


def completed_images(records: Iterable[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(sequence number, plain new image) of the stream records that made a record COMPLETED."""
    found = []
    for record in records:
        change = record.get("dynamodb") or {}
        image = change.get("NewImage")
        if record.get("eventName") == "REMOVE" or not image:
            continue
        old_status = ((change.get("OldImage") or {}).get("status") or {}).get("S")
        plain = from_item(image)
        if plain.get("status") == Status.COMPLETED.value and old_status != Status.COMPLETED.value:
            found.append((str(change.get("SequenceNumber", "0")), plain))
    return found


class AnalyticsWriter:
    """Writes a stream batch's newly COMPLETED records to the copy."""

    def __init__(self, copy: AnalyticsCopy) -> None:
        self._copy = copy

    def write_batch(self, records: Iterable[dict[str, Any]]) -> list[WrittenObject]:
        groups: dict[tuple[str, str], tuple[str, list[dict[str, Any]]]] = {}
        for sequence, item in completed_images(records):
            row = analytics_row(item)
            _, rows = groups.setdefault((row["collection"], row["completed_at"][:10]), (sequence, []))
            rows.append(row)
        return [
            self._copy.put(collection, day, first, rows)
            for (collection, day), (first, rows) in sorted(groups.items())
        ]

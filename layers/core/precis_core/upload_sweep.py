"""Uploads whose event was lost: every object under the input prefix ends in a record.

S3 delivers an upload's event at least once, but an event can still be lost: Lambda drops one older
than its maximum event age (a laptop waking from sleep, a long outage) or past its retries into the
dead-letter queue. Each reconcile run lists a bounded page of the input prefix (ListObjectsV2 with
StartAfter, MaxKeys) from where the last run stopped; the key it stopped at is kept on one item of the
summaries table, so the sweep walks the whole prefix over successive runs and starts over at its end.
For each upload old enough that its own event should have arrived, it reads the current version
(HeadObject), and an upload with no record is submitted through the submit service, exactly as its
event would have been. The submit's conditional put makes a race with a late event, or with a second
run, create one record only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from precis_core.articles import ArticleSource
from precis_core.ids import document_id, timestamp
from precis_core.models import ArticleRef
from precis_core.store import SummaryStore, to_item
from precis_core.submit import SubmitResult, SubmitService

DEFAULT_SWEEP_KEYS = 1000
"""Keys looked at per run: one ListObjectsV2 page; a HeadObject and a GetItem each."""
CURSOR_ID = "#reconcile:upload-sweep"
"""The summaries table item holding where the sweep stopped (no document id has a '#')."""


@dataclass
class SweepReport:
    """What one sweep looked at and did."""

    started_after: str
    next_after: str
    listed: int
    submitted: list[SubmitResult] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Upload:
    """An object the listing returned."""

    key: str
    last_modified: datetime


class SweepCursor:
    """The key the last sweep stopped after ('' to start at the beginning of the prefix)."""

    def __init__(self, table_name: str, client: Any) -> None:
        self.table_name = table_name
        self._client = client

    def read(self) -> str:
        response = self._client.get_item(
            TableName=self.table_name, Key=to_item({"document_id": CURSOR_ID}), ConsistentRead=True
        )
        return response.get("Item", {}).get("after", {}).get("S", "")

    def move(self, read: str, to: str, at: str) -> bool:
        """From `read` to `to`; False when another run moved it meanwhile (that run's page stands)."""
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=to_item({"document_id": CURSOR_ID}),
                UpdateExpression="SET #a = :to, #t = :at",
                ConditionExpression="attribute_not_exists(#a) OR #a = :read",
                ExpressionAttributeNames={"#a": "after", "#t": "swept_at"},
                ExpressionAttributeValues=to_item({":to": to, ":at": at, ":read": read}),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True


class UploadSweep:
    """Finds uploads under the prefix that have no record and submits them."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        prefix: str,
        store: SummaryStore,
        submit: SubmitService,
        cursor: SweepCursor,
        *,
        keys_per_run: int = DEFAULT_SWEEP_KEYS,
    ) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.prefix = prefix
        self.store = store
        self.submit = submit
        self.cursor = cursor
        self.keys_per_run = keys_per_run
        self._source = ArticleSource(s3)

    def sweep(self, now: datetime, older_than: timedelta) -> SweepReport:
        """One bounded page of the prefix: each upload at least `older_than` old without a record is
        submitted; one upload's error is reported and the page goes on."""
        start, uploads, following = self._page()
        report = SweepReport(started_after=start, next_after=following, listed=len(uploads))
        for upload in uploads:
            if upload.key.endswith("/") or now - upload.last_modified < older_than:
                continue
            try:
                ref = self._unrecorded(upload)
                if ref is not None:
                    report.submitted.append(self.submit.submit(ref))
            except Exception as error:  # noqa: BLE001 - one upload's failure must not stop the sweep
                report.errors.append((upload.key, f"{type(error).__name__}: {error}"))
        self.cursor.move(start, following, timestamp(now))
        return report

    def _page(self) -> tuple[str, list[Upload], str]:
        """Where this run starts, the uploads of its page, and where the next run starts ('' at the end)."""
        start = self.cursor.read()
        request: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix, "MaxKeys": self.keys_per_run}
        if start:
            request["StartAfter"] = start
        response = self._s3.list_objects_v2(**request)
        uploads = [Upload(o["Key"], o["LastModified"]) for o in response.get("Contents", [])]
        following = uploads[-1].key if uploads and response.get("IsTruncated") else ""
        return start, uploads, following

    def _unrecorded(self, upload: Upload) -> ArticleRef | None:
        """The upload's current version, if it has no record."""
        stored = self._source.describe(ArticleRef(self.bucket, upload.key))
        if self.store.get(document_id(self.bucket, upload.key, stored.version_id or stored.etag)):
            return None
        return ArticleRef(self.bucket, upload.key, stored.version_id, stored.etag, stored.size)

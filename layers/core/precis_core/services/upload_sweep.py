"""Uploads whose event was lost: every object under the input prefix ends in a record.

S3 delivers an upload's event at least once, but an event can still be lost: Lambda drops one older
than its maximum event age (a laptop waking from sleep, a long outage) or past its retries into the
dead-letter queue. Each reconcile run lists one bounded page of the input prefix (ListObjectsV2 with
StartAfter, MaxKeys) from where the last run stopped, so successive runs walk the whole prefix (a pass)
and start over at its end. Where the sweep is is kept on one item of the summaries table.

Each upload is checked once, in the first pass after it is old enough that its own event should have
arrived: its current version is read (HeadObject) and, if it has no record, submitted through the
submit service exactly as its event would have been. A pass that checked every upload without an error
moves the horizon to its start: uploads older than the horizon are only listed after that, not read.
The submit's conditional put makes a race with a late event, or with a second run, create one record.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from precis_core.adapters.articles import ArticleSource
from precis_core.adapters.dynamodb_items import from_item, to_item
from precis_core.adapters.summary_store import SummaryStore
from precis_core.domain.ids import document_id, parse_timestamp, timestamp
from precis_core.domain.models import ArticleRef
from precis_core.services.submit import SubmitResult, SubmitService

DEFAULT_SWEEP_KEYS = 1000
"""Keys listed per run: one ListObjectsV2 page."""
DEFAULT_SWEEP_CHECKS = 200
"""Uploads read per run (a HeadObject and a GetItem each), so a run stays well within its timeout; the
next run goes on from the last one read."""
CURSOR_ID = "#reconcile:upload-sweep"
"""The summaries table item holding where the sweep is (no document id has a '#')."""


@dataclass(frozen=True)
class SweepPosition:
    """Where the sweep is: the key the last run stopped after ('' at the start of a pass), the cutoff of
    the pass under way (uploads modified before it are checked in it), whether the pass has met no error
    so far, and the horizon (the cutoff of the last pass that checked everything)."""

    after: str = ""
    pass_cutoff: str = ""
    clean: bool = True
    horizon: str = ""


@dataclass
class SweepReport:
    """What one run of the sweep listed and did."""

    started_after: str
    next_after: str
    listed: int
    checked: int = 0
    submitted: list[SubmitResult] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


class SweepCursor:
    """The sweep's position on one item of the summaries table, moved only from what a run read."""

    def __init__(self, table_name: str, client: Any) -> None:
        self.table_name = table_name
        self._client = client

    def read(self) -> SweepPosition:
        response = self._client.get_item(
            TableName=self.table_name, Key=to_item({"document_id": CURSOR_ID}), ConsistentRead=True
        )
        item = from_item(response.get("Item", {}))
        return SweepPosition(
            after=item.get("after", ""),
            pass_cutoff=item.get("pass_cutoff", ""),
            clean=bool(item.get("clean", True)),
            horizon=item.get("horizon", ""),
        )

    def move(self, read: SweepPosition, to: SweepPosition, at: str) -> bool:
        """From `read` to `to`; False when another run moved it meanwhile (that run's page stands)."""
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=to_item({"document_id": CURSOR_ID}),
                UpdateExpression="SET #a = :a, #p = :p, #c = :c, #h = :h, #t = :t",
                ConditionExpression="attribute_not_exists(#a) OR (#a = :ra AND #p = :rp)",
                ExpressionAttributeNames={
                    "#a": "after",
                    "#p": "pass_cutoff",
                    "#c": "clean",
                    "#h": "horizon",
                    "#t": "swept_at",
                },
                ExpressionAttributeValues=to_item(
                    {
                        ":a": to.after,
                        ":p": to.pass_cutoff,
                        ":c": to.clean,
                        ":h": to.horizon,
                        ":t": at,
                        ":ra": read.after,
                        ":rp": read.pass_cutoff,
                    }
                ),
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
        checks_per_run: int = DEFAULT_SWEEP_CHECKS,
    ) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.prefix = prefix
        self.store = store
        self.submit = submit
        self.cursor = cursor
        self.keys_per_run = keys_per_run
        self.checks_per_run = checks_per_run
        self._source = ArticleSource(s3)

    def sweep(self, now: datetime, older_than: timedelta) -> SweepReport:
        """One page of the prefix: each upload of it modified between the horizon and the pass's cutoff
        (`older_than` before the pass began) without a record is submitted; one upload's error is
        reported and the page goes on."""
        position = self.cursor.read()
        if not position.after:
            position = replace(position, pass_cutoff=timestamp(now - older_than), clean=True)
        keys, following = self._page(position.after)
        report = SweepReport(started_after=position.after, next_after=following, listed=len(keys))
        cutoff, horizon = parse_timestamp(position.pass_cutoff), _parsed(position.horizon)
        previous = position.after
        for key, modified in keys:
            if key.endswith("/") or modified >= cutoff or (horizon is not None and modified < horizon):
                continue
            if report.checked == self.checks_per_run:
                report.next_after = following = previous  # the next run reads on from here
                break
            previous = key
            report.checked += 1
            try:
                ref = self._unrecorded(key)
                if ref is not None:
                    report.submitted.append(self.submit.submit(ref))
            except Exception as error:  # noqa: BLE001 - one upload's failure must not stop the sweep
                report.errors.append((key, f"{type(error).__name__}: {error}"))
        self.cursor.move(position, self._next(position, following, not report.errors), timestamp(now))
        return report

    @staticmethod
    def _next(position: SweepPosition, following: str, clean: bool) -> SweepPosition:
        clean = position.clean and clean
        if following:
            return replace(position, after=following, clean=clean)
        return SweepPosition(horizon=position.pass_cutoff if clean else position.horizon)

    def _page(self, after: str) -> tuple[list[tuple[str, datetime]], str]:
        """The keys of the page after `after` with their last-modified time, and where the next page
        starts ('' at the end of the prefix)."""
        request: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix, "MaxKeys": self.keys_per_run}
        if after:
            request["StartAfter"] = after
        response = self._s3.list_objects_v2(**request)
        keys = [(o["Key"], o["LastModified"]) for o in response.get("Contents", [])]
        following = keys[-1][0] if keys and response.get("IsTruncated") else ""
        return keys, following

    def _unrecorded(self, key: str) -> ArticleRef | None:
        """The upload's current version, if it has no record."""
        stored = self._source.describe(ArticleRef(self.bucket, key))
        if self.store.get(document_id(self.bucket, key, stored.version_id or stored.etag)):
            return None
        return ArticleRef(self.bucket, key, stored.version_id, stored.etag, stored.size)


def _parsed(moment: str) -> datetime | None:
    return parse_timestamp(moment) if moment else None

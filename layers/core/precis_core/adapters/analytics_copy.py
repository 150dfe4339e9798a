"""The analytics copy in S3: one gzip JSON lines object per collection, day and batch, on an injected
S3 client. Its keys and rows are domain.analytics_rows'; what goes in is services.analytics'."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from precis_core.domain.analytics_rows import encode_rows, object_key

if TYPE_CHECKING:  # the stubs are a dev dependency: the layer needs none of them at run time
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class WrittenObject:
    key: str
    rows: int


class AnalyticsCopy:
    """`s3://<bucket>/<prefix>collection=<c>/day=<YYYY-MM-DD>/<first sequence number>.json.gz`."""

    def __init__(self, s3: S3Client, bucket: str, prefix: str) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.prefix = prefix

    def put(
        self, collection: str, day: str, first_sequence: str, rows: Iterable[dict[str, Any]]
    ) -> WrittenObject:
        """Write (or overwrite: a retried batch has the same first sequence number) one object."""
        rows = list(rows)
        key = object_key(self.prefix, collection, day, first_sequence)
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=encode_rows(rows),
            ContentType="application/x-ndjson",
            ContentEncoding="gzip",
        )
        return WrittenObject(key, len(rows))

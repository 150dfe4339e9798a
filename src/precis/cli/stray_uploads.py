"""Uploads the pipeline never sees: objects in the input bucket outside `incoming/`. S3 notifies the
submit function only for that prefix, so an article put at the top of the bucket (or in another folder)
would wait silently; `precis local status` says so, and where articles must go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INPUT_PREFIX = "incoming/"
EXAMPLES = 3


@dataclass(frozen=True)
class StrayUploads:
    count: int  # at least this many (one listing page is read)
    examples: list[str]

    def advice(self, bucket: str) -> str:
        shown = ", ".join(repr(key) for key in self.examples)
        return (
            f"{self.count} object(s) in s3://{bucket}/ are outside {INPUT_PREFIX} and are not summarized "
            f"(e.g. {shown}): upload articles under {INPUT_PREFIX}<collection>/, or use `precis submit`"
        )


def stray_uploads(s3: Any, bucket: str) -> StrayUploads:
    """Objects and folders at the top of the bucket other than incoming/ (one page: up to 1,000)."""
    listing = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    keys = [item["Key"] for item in listing.get("Contents", [])]
    folders = [p["Prefix"] for p in listing.get("CommonPrefixes", []) if p["Prefix"] != INPUT_PREFIX]
    stray = keys + folders
    return StrayUploads(len(stray), stray[:EXAMPLES])

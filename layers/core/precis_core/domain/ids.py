"""Deterministic identifiers and the one timestamp format (docs/ARCHITECTURE.md, "Records")."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

_DOCUMENT_ID_LENGTH = 32


def document_id(bucket: str, key: str, version: str | None) -> str:
    """First 32 hex chars of sha256(`s3://bucket/key#<VersionId or ETag>`): one upload, one id."""
    source = f"s3://{bucket}/{key}#{version or ''}"
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:_DOCUMENT_ID_LENGTH]


def inference_id(document_id: str, attempt: int) -> str:
    """`<document_id>-<attempt>`, attempt counted from 1."""
    if attempt < 1:
        raise ValueError(f"attempt starts at 1, got {attempt}")
    return f"{document_id}-{attempt}"


def parse_inference_id(value: str) -> tuple[str, int]:
    """`<document_id>-<attempt>` → (document_id, attempt); ValueError when it is not one of ours."""
    doc, sep, attempt = value.rpartition("-")
    if not sep or len(doc) != _DOCUMENT_ID_LENGTH or not attempt.isdigit() or int(attempt) < 1:
        raise ValueError(f"not a precis inference id: {value!r}")
    try:
        int(doc, 16)
    except ValueError:
        raise ValueError(f"not a precis inference id: {value!r}") from None
    return doc, int(attempt)


def timestamp(moment: datetime | None = None) -> str:
    """ISO-8601 UTC with milliseconds and a Z (`2026-11-25T01:02:03.456Z`), so timestamps sort as text."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(value: str) -> datetime:
    """The inverse of `timestamp` (also accepts other ISO-8601 forms with an offset or a Z)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def elapsed_ms(start: str, end: str) -> int:
    """Milliseconds from one timestamp to another, never negative."""
    delta = parse_timestamp(end) - parse_timestamp(start)
    return max(0, round(delta.total_seconds() * 1000))

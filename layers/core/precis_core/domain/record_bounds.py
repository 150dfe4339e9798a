"""What a record keeps, bounded so that it always fits DynamoDB's 400 KB item: the summary (the full
one stays in the output object the record points to), reasons and the attempts kept."""

from __future__ import annotations

from typing import Any

from precis_core.domain.models import bounded_reason

# DynamoDB's item limit is 400 KB (names and values, UTF-8): the largest summary, reason and history
# kept leave room for the rest of the item (key, title, locations, timestamps).
MAX_SUMMARY_BYTES = 100_000
MAX_ATTEMPTS_KEPT = 20


def bounded_summary(summary: str) -> tuple[str, bool]:
    """The summary as a record keeps it (at most MAX_SUMMARY_BYTES of UTF-8, cut at a word) and whether
    it was cut."""
    encoded = summary.encode("utf-8")
    if len(encoded) <= MAX_SUMMARY_BYTES:
        return summary, False
    kept = encoded[: MAX_SUMMARY_BYTES - len("…".encode())].decode("utf-8", errors="ignore")
    space = kept.rfind(" ", len(kept) - 200)
    return (kept[:space] if space > 0 else kept).rstrip() + "…", True


def bounded_attempts(attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last MAX_ATTEMPTS_KEPT attempts, each reason bounded (`attempt` still counts them all)."""
    kept = [dict(entry) for entry in attempts[-MAX_ATTEMPTS_KEPT:]]
    for entry in kept:
        if isinstance(entry.get("failure_reason"), str):
            entry["failure_reason"] = bounded_reason(entry["failure_reason"])
    return kept

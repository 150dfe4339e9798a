"""What an article is about, as the inference output carries it and a record keeps it: key phrases and
named things, read leniently (a malformed entry is skipped, never fatal) and bounded in size."""

from __future__ import annotations

from typing import Any

MAX_KEY_PHRASES = 15
MAX_ENTITIES = 30
MAX_TEXT_CHARS = 100
ENTITY_TYPES = frozenset({"ORG", "PERSON", "PLACE", "PRODUCT", "TICKER"})


def key_phrases_of(value: Any) -> list[str]:
    """Up to MAX_KEY_PHRASES non-empty strings, in their order, each at most MAX_TEXT_CHARS."""
    if not isinstance(value, list):
        return []
    phrases = [" ".join(item.split())[:MAX_TEXT_CHARS] for item in value if isinstance(item, str)]
    return [phrase for phrase in phrases if phrase][:MAX_KEY_PHRASES]


def entities_of(value: Any) -> list[dict[str, str]]:
    """Up to MAX_ENTITIES {"text", "type"} with a known type, in their order."""
    if not isinstance(value, list):
        return []
    kept = []
    for item in value:
        if not isinstance(item, dict) or item.get("type") not in ENTITY_TYPES:
            continue
        text = " ".join(str(item.get("text", "")).split())[:MAX_TEXT_CHARS]
        if text:
            kept.append({"text": text, "type": str(item["type"])})
    return kept[:MAX_ENTITIES]


def merged(lists: list[list[Any]], limit: int) -> list[Any]:
    """Several documents' lists (a list request) as one: in order, without repeats, at most `limit`."""
    seen: list[Any] = []
    for items in lists:
        for item in items:
            if item not in seen:
                seen.append(item)
    return seen[:limit]

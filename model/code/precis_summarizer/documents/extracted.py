"""What a document reader returns, and how it refuses a document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class RefusedDocument(ValueError):
    """The document cannot be read as sent; the message says why, for the user (a FAILED record)."""


@dataclass(frozen=True)
class Extracted:
    """A document's article text and the metadata it carries (title, authors, published, url, ...)."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    pages: int | None = None

"""What a summarizer returns for one document: the inference output contract (docs/ARCHITECTURE.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal


@dataclass(frozen=True)
class Summary:
    summary: str
    model: str
    engine: Literal["extractive", "transformers"]
    words_in: int
    words_out: int
    chunks: int
    elapsed_ms: int

    def to_dict(self) -> dict:
        return asdict(self)

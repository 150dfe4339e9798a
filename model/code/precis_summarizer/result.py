"""What a summarizer returns for one document: the inference output contract (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Literal, Protocol


class Engine(Protocol):
    engine: Literal["extractive", "transformers"]
    model_name: str


@dataclass(frozen=True)
class Summary:
    summary: str
    model: str
    engine: Literal["extractive", "transformers"]
    words_in: int
    words_out: int
    chunks: int
    elapsed_ms: int

    @classmethod
    def timed(cls, summary: str, *, source: str, by: Engine, chunks: int, started: float) -> Summary:
        """The result for `source`, with word counts and the time since `started` (perf_counter)."""
        return cls(
            summary=summary,
            model=by.model_name,
            engine=by.engine,
            words_in=len(source.split()),
            words_out=len(summary.split()),
            chunks=chunks,
            elapsed_ms=round((time.perf_counter() - started) * 1000),
        )

    def to_dict(self) -> dict:
        return asdict(self)

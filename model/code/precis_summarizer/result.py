"""What a summarizer returns for one document: the inference output contract (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Literal, Protocol

from precis_summarizer.words import count_words


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
    def timed(
        cls,
        summary: str,
        *,
        source: str,
        by: Engine,
        chunks: int,
        started: float,
        words_in: int | None = None,
    ) -> Summary:
        """The result for `source` (its word count if the caller has it), with word counts and the time
        since `started` (perf_counter)."""
        return cls(
            summary=summary,
            model=by.model_name,
            engine=by.engine,
            words_in=count_words(source) if words_in is None else words_in,
            words_out=count_words(summary),
            chunks=chunks,
            elapsed_ms=round((time.perf_counter() - started) * 1000),
        )

    def to_dict(self) -> dict:
        return asdict(self)

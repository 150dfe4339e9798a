"""What a summarizer returns for one document: the inference output contract (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol

from precis_summarizer.entities import named_things
from precis_summarizer.keyphrases import key_phrases
from precis_summarizer.tokens import tokenize
from precis_summarizer.words import count_words


def about(sentences: Sequence[str]) -> tuple[list[str], list[dict[str, str]]]:
    """What a whole article is about: its key phrases and named things, from one tokenization."""
    tokens = tokenize(sentences)
    return key_phrases(sentences, tokenized=tokens), named_things(sentences, tokenized=tokens)


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
    key_phrases: list[str] = field(
        default_factory=list
    )  # up to 15, best first (precis_summarizer.keyphrases)
    entities: list[dict[str, str]] = field(default_factory=list)  # [{"text", "type"}] (.entities)

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
        sentences: Sequence[str] = (),
    ) -> Summary:
        """The result for `source` (its word count if the caller has it), with word counts, what the whole
        article is about (its key phrases and named things, from its `sentences`) and the time since
        `started` (perf_counter)."""
        phrases, things = about(sentences)
        return cls(
            summary=summary,
            model=by.model_name,
            engine=by.engine,
            words_in=count_words(source) if words_in is None else words_in,
            words_out=count_words(summary),
            chunks=chunks,
            elapsed_ms=round((time.perf_counter() - started) * 1000),
            key_phrases=phrases,
            entities=things,
        )

    def to_dict(self) -> dict:
        return asdict(self)

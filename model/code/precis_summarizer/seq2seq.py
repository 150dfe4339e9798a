"""The transformers engine: map-reduce over sentence-aligned windows with AutoModelForSeq2SeqLM.generate.

Works with PEGASUS, BART and T5 on transformers 4.x and 5.x (5.x has no summarization pipeline).
Long inputs are never truncated: sentences are packed into windows that fit the model, each window
is summarized (map), and while the joined partial summaries exceed the word budget they are packed
and summarized again (reduce).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Literal

from precis_summarizer.deadline import NO_DEADLINE, Deadline
from precis_summarizer.extractive import default_word_budget
from precis_summarizer.request import MalformedRequest, Parameters
from precis_summarizer.result import Summary
from precis_summarizer.sentences import segment
from precis_summarizer.words import count_words

_UNBOUNDED = 1_000_000  # tokenizers without a limit report ~1e30
_NEWS_TARGET_WORDS = 100
_MAX_ROUNDS = 8


class ModelLoadError(RuntimeError):
    """A transformers model was asked for and could not be loaded."""


class SharedTokenizer:
    """A tokenizer that requests running at once can share: one call at a time.

    A fast tokenizer sets padding and truncation on its one Rust object at every call, so two threads
    calling it at once fail ("Already borrowed", or "Unable to create tensor" when one call's padding is
    switched off by the other's). The local endpoint runs an instance's concurrent invocations on one
    summarizer; tokenizing is a small part of a request next to generate(), which runs outside the lock.
    """

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer
        self._lock = threading.Lock()

    def encode(self, texts: str | list[str], **options: Any) -> Any:
        with self._lock:
            return self._tokenizer(texts, **options)

    def decode(self, ids: list[int]) -> str:
        with self._lock:
            return self._tokenizer.decode(ids, skip_special_tokens=True)

    def batch_decode(self, output: Any) -> list[str]:
        with self._lock:
            return self._tokenizer.batch_decode(output, skip_special_tokens=True)

    def special_tokens(self) -> int:
        """Special tokens added to one sequence (PEGASUS: the end-of-sequence token)."""
        with self._lock:
            return self._tokenizer.num_special_tokens_to_add(pair=False)


class TransformersSummarizer:
    engine: Literal["extractive", "transformers"] = "transformers"  # the Engine protocol's type

    def __init__(self, model: Any, tokenizer: Any, model_name: str, batch_size: int) -> None:
        self._model = model
        self._tokenizer = SharedTokenizer(tokenizer)
        self.model_name = model_name
        self.batch_size = batch_size
        self.window = _window(model, tokenizer)

    @classmethod
    def load(
        cls, source: str | Path, model_name: str, *, batch_size: int, revision: str | None = None
    ) -> TransformersSummarizer:
        """Loads from a local directory or a Hub id; any failure is a ModelLoadError naming the source."""
        try:
            import torch
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        except ImportError as error:
            raise ModelLoadError(
                f"model {model_name} needs transformers and torch, which are not installed: {error}"
            ) from error
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, revision=revision)
            model = AutoModelForSeq2SeqLM.from_pretrained(source, revision=revision)
        except Exception as error:
            raise ModelLoadError(f"could not load model {model_name} from {source}: {error}") from error
        device = "cuda" if torch.cuda.is_available() else "cpu"
        return cls(model.to(device).eval(), tokenizer, model_name, batch_size)

    def summarize(
        self, text: str, parameters: Parameters | None = None, deadline: Deadline = NO_DEADLINE
    ) -> Summary:
        started = time.perf_counter()
        parameters = parameters or Parameters()
        words_in = count_words(text)
        generation = self._generation(parameters)
        target = parameters.target_words or default_word_budget(words_in) or _NEWS_TARGET_WORDS
        sentences = [s.text for s in segment(text)]
        if not sentences:
            return Summary.timed("", source=text, by=self, chunks=0, started=started)
        windows = self._windows(sentences)
        partials = self._generate(windows, generation, deadline)
        for _ in range(_MAX_ROUNDS):
            if len(partials) <= 1 or count_words(" ".join(partials)) <= target:
                break
            partials = self._generate(self._windows(partials), generation, deadline)
        summary = " ".join(p for p in partials if p)
        # Key phrases and named things come from the whole article, on the CPU, after generate().
        return Summary.timed(
            summary, source=text, by=self, chunks=len(windows), started=started, sentences=sentences
        )

    def _generation(self, parameters: Parameters) -> dict[str, int]:
        """generate() settings: the request's, else the model's own; max_length fits two per window."""
        requested = {
            "max_length": parameters.max_length,
            "min_length": parameters.min_length,
            "num_beams": parameters.num_beams,
        }
        chosen = {name: value for name, value in requested.items() if value is not None}
        # Each reduce window must hold at least two partial summaries, or reduce would not shrink.
        ceiling = self.window // 2
        if chosen.get("max_length", 0) > ceiling:
            raise MalformedRequest(
                f"max_length {chosen['max_length']} is over half of the model's {self.window}-token window"
            )
        default = getattr(self._model.generation_config, "max_length", None) or ceiling
        chosen.setdefault("max_length", min(default, ceiling))
        longest = chosen["max_length"]
        if chosen.get("min_length", 0) > longest:
            raise MalformedRequest(f"min_length {chosen['min_length']} exceeds max_length {longest}")
        if "min_length" not in chosen:
            chosen["min_length"] = min(getattr(self._model.generation_config, "min_length", 0) or 0, longest)
        return chosen

    def _token_counts(self, texts: list[str]) -> list[int]:
        encoded = self._tokenizer.encode(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def _windows(self, units: list[str]) -> list[str]:
        """Packs consecutive units (sentences or partial summaries) into texts that fit the window."""
        pieces: list[tuple[str, int]] = []
        for unit, count in zip(units, self._token_counts(units), strict=True):
            pieces.extend(self._split_long(unit) if count > self.window else [(unit, count)])
        windows: list[list[str]] = []
        used = self.window
        for piece, count in pieces:
            if used + count + 1 > self.window:
                windows.append([])
                used = 0
            windows[-1].append(piece)
            used += count + 1
        texts = [" ".join(w) for w in windows]
        return [part for text in texts for part in self._fitted(text)]

    def _split_long(self, unit: str) -> list[tuple[str, int]]:
        """A single sentence longer than the window, cut into window-sized runs of its own tokens."""
        ids = self._tokenizer.encode(unit, add_special_tokens=False)["input_ids"]
        step = self.window - 1
        return [
            (self._tokenizer.decode(ids[i : i + step]), len(ids[i : i + step]))
            for i in range(0, len(ids), step)
        ]

    def _fitted(self, text: str) -> list[str]:
        """Re-tokenizing joined text can differ from the sum of its parts; halve any window that overflows."""
        if self._token_counts([text])[0] <= self.window:
            return [text]
        words = text.split()
        if len(words) < 2:
            return [text]
        middle = len(words) // 2
        return self._fitted(" ".join(words[:middle])) + self._fitted(" ".join(words[middle:]))

    def _generate(self, texts: list[str], generation: dict[str, int], deadline: Deadline) -> list[str]:
        import torch

        summaries: list[str] = []
        for start in range(0, len(texts), self.batch_size):
            deadline.check(f"summarizing window {start + 1} of {len(texts)}")
            batch = texts[start : start + self.batch_size]
            inputs = self._tokenizer.encode(batch, padding=True, truncation=False, return_tensors="pt")
            length = inputs["input_ids"].shape[1]
            if length > self.window + self._tokenizer.special_tokens():
                raise RuntimeError(f"a window of {length} tokens exceeds the model's limit")
            inputs = inputs.to(self._model.device)
            with torch.inference_mode():
                output = self._model.generate(**inputs, **generation)
            decoded = self._tokenizer.batch_decode(output)
            summaries.extend(text.strip() for text in decoded)
        return summaries


def _window(model: Any, tokenizer: Any) -> int:
    """Input tokens per window without special tokens: the tighter of the tokenizer's and config's limits."""
    limits = [tokenizer.model_max_length]
    for name in ("max_position_embeddings", "n_positions"):
        limits.append(getattr(model.config, name, None))
    usable = [int(limit) for limit in limits if isinstance(limit, int) and 0 < limit < _UNBOUNDED]
    limit = min(usable) if usable else 512
    return limit - tokenizer.num_special_tokens_to_add(pair=False)

"""Which summarizer an endpoint instance runs, decided once at start-up from its model directory and env."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from precis_summarizer.deadline import NO_DEADLINE, Deadline
from precis_summarizer.extractive import ExtractiveSummarizer
from precis_summarizer.request import Parameters
from precis_summarizer.result import Engine, Summary
from precis_summarizer.seq2seq import TransformersSummarizer

MODEL_ID_VARIABLE = "PRECIS_MODEL_ID"
MODEL_REVISION_VARIABLE = "PRECIS_MODEL_REVISION"
MAP_BATCH_VARIABLE = "PRECIS_MAP_BATCH_SIZE"
# Windows summarized per generate() call. On one H200 (PEGASUS-large size, beam 8) a 6-window paper
# took 3.0-4.1 s at batch 8 against 6.3 s at batch 4, and batch 16 gained nothing more.
DEFAULT_MAP_BATCH = 8
MAX_MAP_BATCH = 32


class ModelSettingError(ValueError):
    """A model container variable holds a value the summarizer cannot run with."""


class Summarizer(Engine, Protocol):
    def summarize(
        self, text: str, parameters: Parameters | None = None, deadline: Deadline = NO_DEADLINE
    ) -> Summary: ...


def load_summarizer(model_dir: str | Path, environ: Mapping[str, str] = os.environ) -> Summarizer:
    """Weights packaged in model_dir (config.json) first, then PRECIS_MODEL_ID from the Hub, else offline.

    A transformers model that was asked for and fails to load raises ModelLoadError: never a fallback.
    A bad PRECIS_MAP_BATCH_SIZE raises ModelSettingError, whichever engine runs, so it fails at start.
    """
    model_dir = Path(model_dir)
    batch_size = map_batch_size(environ)
    model_id = environ.get(MODEL_ID_VARIABLE, "").strip() or None
    revision = environ.get(MODEL_REVISION_VARIABLE, "").strip() or None
    if (model_dir / "config.json").is_file():
        return TransformersSummarizer.load(
            model_dir, model_name=model_id or model_dir.name, batch_size=batch_size
        )
    if model_id:
        label = f"{model_id}@{revision}" if revision else model_id
        return TransformersSummarizer.load(
            model_id, model_name=label, revision=revision, batch_size=batch_size
        )
    return ExtractiveSummarizer.load()


def map_batch_size(environ: Mapping[str, str] = os.environ) -> int:
    """PRECIS_MAP_BATCH_SIZE: an integer from 1 to 32, default 8."""
    text = environ.get(MAP_BATCH_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MAP_BATCH
    try:
        value = int(text)
    except ValueError:
        raise ModelSettingError(f"{MAP_BATCH_VARIABLE}={text!r} is not an integer") from None
    if not 1 <= value <= MAX_MAP_BATCH:
        raise ModelSettingError(f"{MAP_BATCH_VARIABLE}={value} is outside 1..{MAX_MAP_BATCH}")
    return value

"""Which summarizer an endpoint instance runs, decided once at start-up from its model directory and env."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from precis_summarizer.request import Parameters
from precis_summarizer.result import Engine, Summary

MODEL_ID_VARIABLE = "PRECIS_MODEL_ID"
MODEL_REVISION_VARIABLE = "PRECIS_MODEL_REVISION"


class Summarizer(Engine, Protocol):
    def summarize(self, text: str, parameters: Parameters | None = None) -> Summary: ...


def load_summarizer(model_dir: str | Path, environ: Mapping[str, str] = os.environ) -> Summarizer:
    """Weights packaged in model_dir (config.json) first, then PRECIS_MODEL_ID from the Hub, else offline.

    A transformers model that was asked for and fails to load raises ModelLoadError: never a fallback.
    """
    model_dir = Path(model_dir)
    model_id = environ.get(MODEL_ID_VARIABLE, "").strip() or None
    revision = environ.get(MODEL_REVISION_VARIABLE, "").strip() or None
    if (model_dir / "config.json").is_file() or model_id:
        from precis_summarizer.seq2seq import TransformersSummarizer

        if (model_dir / "config.json").is_file():
            return TransformersSummarizer.load(model_dir, model_name=model_id or model_dir.name)
        label = f"{model_id}@{revision}" if revision else model_id
        return TransformersSummarizer.load(model_id, model_name=label, revision=revision)
    from precis_summarizer.extractive import ExtractiveSummarizer

    return ExtractiveSummarizer.load()

"""A no-op inference script for bench/plumbing.py: the DLC handler contract with no model behind it.

It answers every request with the article's first sentence, so the benchmark measures the pipeline
around the model (S3, SNS, SQS, DynamoDB, the functions and the endpoint's queue), not the model.
"""

from __future__ import annotations

import json
from typing import Any


def model_fn(model_dir: str, context: Any = None) -> str:
    return "noop"


def input_fn(input_data: str | bytes, content_type: str, context: Any = None) -> str:
    return input_data.decode("utf-8", errors="replace") if isinstance(input_data, bytes) else input_data


def predict_fn(text: str, model: str, context: Any = None) -> dict:
    first = text.split(". ", 1)[0].strip()
    return {
        "summary": first,
        "model": model,
        "engine": "extractive",
        "words_in": len(text.split()),
        "words_out": len(first.split()),
        "chunks": 1,
        "elapsed_ms": 0,
    }


def output_fn(prediction: dict, accept: str | None, context: Any = None) -> str:
    return json.dumps(prediction)

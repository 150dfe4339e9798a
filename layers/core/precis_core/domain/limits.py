"""The endpoint's request limits, checked here on uploads the submit function reads whole.

The inference script's own copy is model/code/precis_summarizer/limits.py (the layer and the model
archive ship apart and cannot import each other); tests/unit/test_request_limits.py keeps them equal.
"""

from __future__ import annotations

MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_INPUTS = 100
MAX_NUMBER_DIGITS = 100
PARAMETER_LIMITS = {
    "max_length": 1024,
    "min_length": 1024,
    "num_beams": 8,
    "target_words": 1000,
    "sentences": 50,
}
# Fields a JSON article may carry beside its text and parameters (they are not summarized).
ARTICLE_METADATA = frozenset({"title", "id", "url", "source", "authors", "published", "metadata"})

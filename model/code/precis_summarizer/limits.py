"""The most work one request may ask for; anything beyond is refused before any work starts.

The submit function checks the same numbers on the uploads it can read whole (its copy lives in the
Lambda layer, which cannot import this package; tests/unit/test_request_limits.py keeps them equal).
Figures behind them: bench/request_memory.py.
"""

from __future__ import annotations

# A request body (the article, or a JSON list of them). Peak memory per request grows with it, about
# 45 bytes per byte of text, so two concurrent requests of this size fit an ml.g4dn.xlarge beside the model.
MAX_BODY_BYTES = 16 * 1024 * 1024
# Documents in one JSON "inputs" list: each is summarized separately and the summaries come back together.
MAX_INPUTS = 100
# HTML (or rendered Markdown) elements parsed into a tree, which costs about 1.7 KB per element; a
# document with more is read without the parser (precis_summarizer.markup).
MAX_MARKUP_TAGS = 200_000
# Digits of a whole number in a JSON body: no field needs more (Python refuses over 4,300 in its own words).
MAX_NUMBER_DIGITS = 100
# Upper bounds of the request parameters (lengths count words for the extractive engine, tokens for a
# transformers model); lower bounds are 0 for min_length and 1 for the others.
PARAMETER_LIMITS = {
    "max_length": 1024,
    "min_length": 1024,
    "num_beams": 8,
    "target_words": 1000,
    "sentences": 50,
}

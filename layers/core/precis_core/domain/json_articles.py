"""A `.json` upload, checked against the rules the inference script applies, so a request the endpoint
would refuse fails at submit with the same reason instead of costing an inference."""

from __future__ import annotations

import json
import re
from typing import Any

from precis_core.domain.limits import ARTICLE_METADATA, MAX_INPUTS, MAX_NUMBER_DIGITS, PARAMETER_LIMITS
from precis_core.domain.models import InvalidArticle

TEXT_FIELDS = ("text", "article", "inputs")
# A letter or a digit in any script: the one thing a text needs to have something to summarize.
WORD_CHARACTER = re.compile(r"[^\W_]")


def check_json_article(text: str) -> dict[str, Any]:
    """The parsed article object; InvalidArticle naming the first rule it breaks."""
    try:
        payload = json.loads(text, parse_int=_whole_number)
    except InvalidArticle:
        raise
    except RecursionError as error:
        raise InvalidArticle("the .json file nests too deeply to parse") from error
    except json.JSONDecodeError as error:
        reason = f"the .json file is not valid JSON: {error.msg} (line {error.lineno})"
        raise InvalidArticle(reason) from error
    except ValueError as error:  # e.g. a number with more digits than Python converts
        raise InvalidArticle(f"the .json file is not valid JSON: {error}") from error
    fields = ", ".join(f'"{name}"' for name in TEXT_FIELDS)
    if not isinstance(payload, dict):
        raise InvalidArticle(f"the .json file must be an object with one of {fields}, not a {_kind(payload)}")
    present = [name for name in TEXT_FIELDS if name in payload]
    if not present:
        raise InvalidArticle(f"the .json object has none of the fields {fields}")
    if len(present) > 1:
        raise InvalidArticle(f"the .json object has more than one of the fields {fields}")
    unknown = sorted(set(payload) - {present[0], "parameters"} - ARTICLE_METADATA)
    if unknown:
        raise InvalidArticle(f"the .json object has unknown fields {unknown}")
    _check_parameters(payload.get("parameters"))
    _check_texts(present[0], payload[present[0]])
    return payload


def _whole_number(digits: str) -> int:
    """A JSON integer; one too long for any field is refused here, not in Python's internal words."""
    length = len(digits.lstrip("-"))
    if length > MAX_NUMBER_DIGITS:
        raise InvalidArticle(
            f"the .json file has a number of {length:,} digits; numbers may have at most {MAX_NUMBER_DIGITS}"
        )
    return int(digits)


def has_words(text: str) -> bool:
    return WORD_CHARACTER.search(text) is not None


def _check_texts(field: str, value: Any) -> None:
    texts = value if field == "inputs" and isinstance(value, list) else [value]
    if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        kind = "a non-empty string or list of strings" if field == "inputs" else "a non-empty string"
        raise InvalidArticle(f'the .json field "{field}" must be {kind}')
    if len(texts) > MAX_INPUTS:
        reason = f'the .json field "inputs" has {len(texts):,} items, over the {MAX_INPUTS} allowed'
        raise InvalidArticle(reason)
    for number, text in enumerate(texts):
        if not has_words(text):
            where = f'"{field}"' if len(texts) == 1 else f'"{field}" item {number + 1}'
            raise InvalidArticle(f"the .json field {where} has no words to summarize (no letters or digits)")


def _check_parameters(parameters: Any) -> None:
    if parameters is None:
        return
    if not isinstance(parameters, dict):
        raise InvalidArticle(f'the .json field "parameters" must be an object, not a {_kind(parameters)}')
    for name, value in parameters.items():
        if name not in PARAMETER_LIMITS:
            raise InvalidArticle(f"unknown parameter {name!r}; accepted: {sorted(PARAMETER_LIMITS)}")
        if value is None:
            continue
        lowest, highest = (0 if name == "min_length" else 1), PARAMETER_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
            raise InvalidArticle(f"parameter {name} must be a whole number from {lowest} to {highest}")
    shortest, longest = parameters.get("min_length"), parameters.get("max_length")
    if shortest is not None and longest is not None and shortest > longest:
        raise InvalidArticle(f"parameter min_length ({shortest}) must not exceed max_length ({longest})")


def _kind(value: Any) -> str:
    return {list: "list", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")

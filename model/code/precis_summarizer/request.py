"""What a request asks for: the documents (decoded by content type) and validated parameters.

Every problem is a MalformedRequest (a ValueError) with a message the caller can act on: the endpoint
fails that request and the error notification carries the message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from precis_summarizer.markup import html_to_text, markdown_to_text, tidy

JSON = "application/json"
CONTENT_TYPES = ("text/plain", "text/markdown", "text/html", JSON)
ACCEPT_TYPES = (JSON, "*/*")


class MalformedRequest(ValueError):
    """The request cannot be summarized as sent."""


@dataclass(frozen=True)
class Parameters:
    """Per-request settings. Lengths count tokens for a transformers model and words for the extractive
    engine; `target_words` is the final summary's word budget (map-reduce stops below it);
    `sentences` fixes how many sentences the extractive engine picks; `num_beams` is for decoding."""

    max_length: int | None = None
    min_length: int | None = None
    num_beams: int | None = None
    target_words: int | None = None
    sentences: int | None = None

    @classmethod
    def parse(cls, raw: Any) -> Parameters:
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise MalformedRequest(f'"parameters" must be a JSON object, not {type(raw).__name__}')
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise MalformedRequest(f"unknown parameters {unknown}; accepted: {sorted(known)}")
        values = {name: _whole_number(name, value) for name, value in raw.items()}
        for name, value in values.items():
            lowest = 0 if name == "min_length" else 1
            if value is not None and value < lowest:
                raise MalformedRequest(f"parameter {name} must be >= {lowest}, got {value}")
        parameters = cls(**values)
        if None not in (parameters.min_length, parameters.max_length) and (
            parameters.min_length > parameters.max_length
        ):
            raise MalformedRequest(
                f"min_length ({parameters.min_length}) must not exceed max_length ({parameters.max_length})"
            )
        return parameters


@dataclass(frozen=True)
class SummaryRequest:
    """The documents to summarize; `batch` means the caller sent a list and gets a list back."""

    documents: list[str]
    batch: bool
    parameters: Parameters


def parse_request(body: str | bytes | bytearray, content_type: str | None) -> SummaryRequest:
    media_type, charset = _media_type(content_type)
    text = _decoded(body, charset)
    if media_type == JSON:
        return _from_json(text)
    if media_type == "text/html":
        document = html_to_text(text)
    elif media_type == "text/markdown":
        document = markdown_to_text(text)
    else:
        document = tidy(text)
    return SummaryRequest([_non_empty(document, media_type)], batch=False, parameters=Parameters())


def check_accept(accept: str | None) -> None:
    media_type = (accept or JSON).split(";")[0].strip().lower()
    if media_type not in ACCEPT_TYPES:
        raise MalformedRequest(f"cannot answer in {accept!r}; the summary is {JSON}")


def _media_type(content_type: str | None) -> tuple[str, str]:
    if not content_type:
        raise MalformedRequest(f"no content type; send one of {', '.join(CONTENT_TYPES)}")
    media_type, *options = (part.strip() for part in content_type.split(";"))
    media_type = media_type.lower()
    if media_type not in CONTENT_TYPES:
        accepted = ", ".join(CONTENT_TYPES)
        raise MalformedRequest(f"unsupported content type {media_type!r}; send one of {accepted}")
    charset = "utf-8"
    for option in options:
        key, _, value = option.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    return media_type, charset


def _decoded(body: str | bytes | bytearray, charset: str) -> str:
    if isinstance(body, str):
        return body
    if not isinstance(body, bytes | bytearray):
        raise MalformedRequest(f"the body must be text or bytes, not {type(body).__name__}")
    try:
        return bytes(body).decode(charset)
    except LookupError as error:
        raise MalformedRequest(f"unknown charset {charset!r}") from error
    except UnicodeDecodeError as error:
        problem = f"{error.reason} at byte {error.start}"
        raise MalformedRequest(f"the body is not valid {charset}: {problem}") from error


# Descriptive fields an article export commonly carries; they travel with the text and are not summarized.
ARTICLE_METADATA = frozenset({"title", "id", "url", "source", "authors", "published", "metadata"})


def _from_json(text: str) -> SummaryRequest:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedRequest(f"the body is not valid JSON: {error}") from error
    if not isinstance(payload, dict):
        kind = type(payload).__name__
        raise MalformedRequest(f'the JSON body must be an object like {{"inputs": "..."}}, not {kind}')
    keys = [key for key in ("inputs", "text", "article") if key in payload]
    if len(keys) != 1:
        raise MalformedRequest('the JSON body needs exactly one of "inputs", "text" or "article"')
    unknown = sorted(set(payload) - {keys[0], "parameters"} - ARTICLE_METADATA)
    if unknown:
        accepted = sorted({keys[0], "parameters"} | ARTICLE_METADATA)
        raise MalformedRequest(f"unknown JSON fields {unknown}; accepted: {accepted}")
    parameters = Parameters.parse(payload.get("parameters"))
    inputs = payload[keys[0]]
    if isinstance(inputs, str):
        return SummaryRequest([_non_empty(tidy(inputs), keys[0])], batch=False, parameters=parameters)
    if keys[0] == "inputs" and isinstance(inputs, list) and inputs:
        if not all(isinstance(item, str) for item in inputs):
            raise MalformedRequest('every item of "inputs" must be a string')
        documents = [_non_empty(tidy(item), f"inputs[{i}]") for i, item in enumerate(inputs)]
        return SummaryRequest(documents, batch=True, parameters=parameters)
    expected = "a string or a non-empty list of strings" if keys[0] == "inputs" else "a string"
    raise MalformedRequest(f'"{keys[0]}" must be {expected}, not {type(inputs).__name__}')


def _non_empty(document: str, where: str) -> str:
    if not document.strip():
        raise MalformedRequest(f"{where} has no text to summarize")
    return document


def _whole_number(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedRequest(f"parameter {name} must be a whole number, got {value!r}")
    return value

"""What a request asks for: the documents (decoded by content type) and validated parameters.

Every problem is a MalformedRequest (a ValueError) with a message the caller can act on: the endpoint
fails that request and the error notification carries the message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from typing import Any

from precis_summarizer.deadline import NO_DEADLINE, Deadline
from precis_summarizer.documents import DOCUMENT_TYPES, RefusedDocument, read_document
from precis_summarizer.documents.metadata import html_metadata, json_metadata, split_front_matter
from precis_summarizer.documents.sniff import MismatchedType, actual_type
from precis_summarizer.limits import (
    MAX_BODY_BYTES,
    MAX_INPUTS,
    MAX_MARKUP_TAGS,
    MAX_NUMBER_DIGITS,
    PARAMETER_LIMITS,
)
from precis_summarizer.markup import html_text, markdown_text, tidy

JSON = "application/json"
CONTENT_TYPES = ("text/plain", "text/markdown", "text/html", JSON, *DOCUMENT_TYPES)
ACCEPT_TYPES = (JSON, "*/*")
# A letter or a digit in any script: text made only of spaces, punctuation, zero-width or format
# characters has nothing to summarize.
_WORD_CHARACTER = re.compile(r"[^\W_]")


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
            if value is not None and value > PARAMETER_LIMITS[name]:
                raise MalformedRequest(
                    f"parameter {name} must be at most {PARAMETER_LIMITS[name]}, got {value}"
                )
        parameters = cls(**values)
        low, high = parameters.min_length, parameters.max_length
        if low is not None and high is not None and low > high:
            raise MalformedRequest(
                f"min_length ({parameters.min_length}) must not exceed max_length ({parameters.max_length})"
            )
        return parameters


@dataclass(frozen=True)
class SummaryRequest:
    """The documents to summarize; `batch` means the caller sent a list and gets a list back.
    `metadata` is what the article says about itself (documents.metadata.FIELDS), returned beside
    the summary."""

    documents: list[str]
    batch: bool
    parameters: Parameters
    deadline: Deadline = field(default=NO_DEADLINE, compare=False)
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)
    inference_id: str | None = field(default=None, compare=False)
    """The submit function's id for the request (CustomAttributes), for the request's log line."""


def parse_request(
    body: str | bytes | bytearray, content_type: str | None, deadline: Deadline = NO_DEADLINE
) -> SummaryRequest:
    media_type, charset = _media_type(content_type)
    _check_size(body)
    media_type = _sniffed(media_type, body)
    if media_type in DOCUMENT_TYPES:
        return _from_document(body, media_type, deadline)
    text = _decoded(body, charset)
    metadata: dict[str, Any] = {}
    if media_type == JSON:
        request = _from_json(text)
        return SummaryRequest(
            request.documents, request.batch, request.parameters, deadline, request.metadata
        )
    if media_type == "text/html":
        document = html_text(text, MAX_MARKUP_TAGS)
        metadata = html_metadata(text)
    elif media_type == "text/markdown":
        metadata, text = split_front_matter(text)
        document = markdown_text(text, MAX_MARKUP_TAGS)
    else:
        document = tidy(text)
    return SummaryRequest([_non_empty(document, media_type)], False, Parameters(), deadline, metadata)


def _sniffed(media_type: str, body: str | bytes | bytearray) -> str:
    """The type the body really is (documents.sniff): a mislabelled file is read as what it is."""
    start = body[:4096].encode("utf-8", errors="replace") if isinstance(body, str) else bytes(body[:4096])
    try:
        return actual_type(media_type, start)
    except MismatchedType as error:
        raise MalformedRequest(str(error)) from error


def _from_document(body: str | bytes | bytearray, media_type: str, deadline: Deadline) -> SummaryRequest:
    if not isinstance(body, bytes | bytearray):
        raise MalformedRequest(f"a {media_type} body must be sent as bytes")
    try:
        extracted = read_document(bytes(body), media_type, deadline)
    except RefusedDocument as refused:
        raise MalformedRequest(str(refused)) from refused
    document = _non_empty(tidy(extracted.text), media_type)
    return SummaryRequest([document], False, Parameters(), deadline, extracted.metadata)


def check_accept(accept: str | None) -> None:
    media_type = (accept or JSON).split(";")[0].strip().lower()
    if media_type not in ACCEPT_TYPES:
        raise MalformedRequest(f"cannot answer in {accept!r}; the summary is {JSON}")


def _check_size(body: Any) -> None:
    size = len(body.encode("utf-8")) if isinstance(body, str) else len(body)
    if size > MAX_BODY_BYTES:
        raise MalformedRequest(
            f"the request is {size:,} bytes, over the {MAX_BODY_BYTES:,} this endpoint takes"
        )


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
    """The body's text, without the byte-order mark a UTF-8 editor may put first."""
    if isinstance(body, str):
        return body.removeprefix("\ufeff")
    if not isinstance(body, bytes | bytearray):
        raise MalformedRequest(f"the body must be text or bytes, not {type(body).__name__}")
    try:
        return bytes(body).decode(charset).removeprefix("\ufeff")
    except LookupError as error:
        raise MalformedRequest(f"unknown charset {charset!r}") from error
    except UnicodeDecodeError as error:
        problem = f"{error.reason} at byte {error.start}"
        raise MalformedRequest(f"the body is not valid {charset}: {problem}") from error


# Descriptive fields an article export commonly carries; they travel with the text and are not summarized.
ARTICLE_METADATA = frozenset({"title", "id", "url", "source", "authors", "published", "metadata"})


def _from_json(text: str) -> SummaryRequest:
    try:
        payload = json.loads(text, parse_int=_whole_number_text)
    except MalformedRequest:
        raise
    except RecursionError as error:
        raise MalformedRequest("the JSON body nests too deeply to parse") from error
    except ValueError as error:
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
    metadata = json_metadata(payload)
    inputs = payload[keys[0]]
    if isinstance(inputs, str):
        document = _non_empty(tidy(inputs), keys[0])
        return SummaryRequest([document], batch=False, parameters=parameters, metadata=metadata)
    if keys[0] == "inputs" and isinstance(inputs, list) and inputs:
        if len(inputs) > MAX_INPUTS:
            raise MalformedRequest(
                f'"inputs" has {len(inputs):,} items, over the {MAX_INPUTS} one request takes'
            )
        if not all(isinstance(item, str) for item in inputs):
            raise MalformedRequest('every item of "inputs" must be a string')
        documents = [_non_empty(tidy(item), f"inputs[{i}]") for i, item in enumerate(inputs)]
        return SummaryRequest(documents, batch=True, parameters=parameters, metadata=metadata)
    expected = "a string or a non-empty list of strings" if keys[0] == "inputs" else "a string"
    raise MalformedRequest(f'"{keys[0]}" must be {expected}, not {type(inputs).__name__}')


def _non_empty(document: str, where: str) -> str:
    if not document.strip():
        raise MalformedRequest(f"{where} has no text to summarize")
    if not _WORD_CHARACTER.search(document):
        raise MalformedRequest(f"{where} has no words to summarize (no letters or digits)")
    return document


def _whole_number_text(digits: str) -> int:
    """A JSON integer; one too long for any field (Python would refuse it in its own words) is refused."""
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise MalformedRequest(
            f"the JSON body has a number of {len(digits.lstrip('-')):,} digits; numbers may have at most "
            f"{MAX_NUMBER_DIGITS}"
        )
    return int(digits)


def _whole_number(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedRequest(f"parameter {name} must be a whole number, got {value!r}")
    return value

"""Uploaded articles: what S3 says about them, and whether they are worth an inference.

The decision is made on the object's metadata and a bounded ranged read of its start, never by
loading the whole object into the function's memory.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from botocore.exceptions import ClientError

from precis_core.models import ArticleRef, InvalidArticle
from precis_core.s3 import is_missing

# How much of an article is read to judge it (whole articles up to this size are checked in full).
SAMPLE_BYTES = 256 * 1024
TITLE_MAX_CHARS = 200
TITLE_MAX_WORDS = 20

CONTENT_TYPES = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".json": "application/json",
    ".html": "text/html",
    ".htm": "text/html",
}
JSON_TEXT_FIELDS = ("text", "article", "inputs")

# Control characters that do not occur in text (tab, newlines, form feed and escape do).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_CONTROL_RATIO = 0.01
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_MARKDOWN_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class StoredObject:
    """What S3 says about the object version the event named (HeadObject, or a ranged GET's headers)."""

    size: int
    etag: str
    version_id: str | None


@dataclass(frozen=True)
class Article:
    """An upload that passed the checks: what to send the endpoint and what to show users."""

    content_type: str
    title: str
    size: int


class ArticleSource:
    """Reads uploaded objects through an injected `boto3.client("s3")`."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def describe(self, ref: ArticleRef) -> StoredObject:
        """HeadObject on the version the event named; InvalidArticle if it is gone."""
        try:
            response = self._client.head_object(**_object_args(ref))
        except ClientError as error:
            if is_missing(error):
                raise InvalidArticle("the object was deleted before it could be submitted") from error
            raise
        return StoredObject(
            size=int(response["ContentLength"]),
            etag=response.get("ETag", "").strip('"'),
            version_id=response.get("VersionId"),
        )

    def read_start(self, ref: ArticleRef, limit: int = SAMPLE_BYTES) -> tuple[StoredObject, bytes]:
        """The version's metadata and its first `limit` bytes from one ranged GET (its Content-Range
        carries the whole size); InvalidArticle if it is gone."""
        try:
            response = self._client.get_object(**_object_args(ref), Range=f"bytes=0-{limit - 1}")
        except ClientError as error:
            if is_missing(error):
                raise InvalidArticle("the object was deleted before it could be submitted") from error
            # An empty object has no byte 0 to return.
            if error.response.get("Error", {}).get("Code") == "InvalidRange":
                return self.describe(ref), b""
            raise
        sample = response["Body"].read()
        total = response.get("ContentRange", "").rpartition("/")[2]
        stored = StoredObject(
            size=int(total) if total.isdigit() else int(response["ContentLength"]),
            etag=response.get("ETag", "").strip('"'),
            version_id=response.get("VersionId"),
        )
        return stored, sample[:limit]

    def sample(self, ref: ArticleRef, limit: int = SAMPLE_BYTES) -> bytes:
        """The first `limit` bytes of the object (a ranged GET)."""
        response = self._client.get_object(**_object_args(ref), Range=f"bytes=0-{limit - 1}")
        return response["Body"].read(limit)


def _object_args(ref: ArticleRef) -> dict[str, str]:
    args = {"Bucket": ref.bucket, "Key": ref.key}
    if ref.version_id:
        args["VersionId"] = ref.version_id
    return args


def content_type_for(key: str) -> str:
    """The ContentType sent to the endpoint, from the key's extension; InvalidArticle if unsupported."""
    suffix = PurePosixPath(key).suffix.lower()
    if suffix not in CONTENT_TYPES:
        shown = f"'{suffix}'" if suffix else "no extension"
        supported = ", ".join(sorted(set(CONTENT_TYPES)))
        raise InvalidArticle(f"unsupported file type ({shown}); supported: {supported}")
    return CONTENT_TYPES[suffix]


def check_size(size: int, max_bytes: int) -> None:
    if size <= 0:
        raise InvalidArticle("the file is empty (0 bytes)")
    if size > max_bytes:
        raise InvalidArticle(f"the file is {size:,} bytes, over the {max_bytes:,}-byte limit")


def inspect(key: str, size: int, sample: bytes, max_bytes: int) -> Article:
    """Judge an upload from its size and the start of its content; InvalidArticle says why it is refused.

    `sample` is the whole object when it is no longer than `size`, else only its start: a character cut
    at the end of a partial sample is not an encoding error.
    """
    content_type = content_type_for(key)
    check_size(size, max_bytes)
    complete = len(sample) >= size
    text = _decode(sample, complete)
    fallback = PurePosixPath(key).stem
    if content_type == "application/json":
        return Article(content_type, _json_title(text, complete) or fallback, size)
    if complete and not text.strip():
        raise InvalidArticle("the file contains only whitespace")
    if content_type == "text/html":
        return Article(content_type, _html_title(text) or fallback, size)
    if content_type == "text/markdown":
        return Article(content_type, _markdown_title(text) or fallback, size)
    return Article(content_type, _first_line(text) or fallback, size)


def _decode(sample: bytes, complete: bool) -> str:
    if b"\x00" in sample:
        raise InvalidArticle("the file looks binary (it contains NUL bytes); upload UTF-8 text")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(sample, final=complete)
    except UnicodeDecodeError as error:
        raise InvalidArticle(
            f"the file is not valid UTF-8 (byte {error.start} is 0x{sample[error.start]:02x}); "
            "save it as UTF-8"
        ) from error
    text = text.removeprefix("\ufeff")
    controls = len(_CONTROL.findall(text))
    if text and controls / len(text) > _CONTROL_RATIO:
        raise InvalidArticle(
            f"the file looks binary ({controls} control characters in its first {len(text)})"
        )
    return text


def _json_title(text: str, complete: bool) -> str | None:
    if not complete:
        # Too long to parse here: at least the start must look like a JSON object or list.
        if not text.lstrip().startswith(("{", "[")):
            raise InvalidArticle("the .json file does not start with an object or a list")
        return None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidArticle(
            f"the .json file is not valid JSON: {error.msg} (line {error.lineno})"
        ) from error
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise InvalidArticle("the .json file is an empty list")
    for item in items:
        _check_json_item(item)
    first = items[0]
    title = first.get("title") if isinstance(first, dict) else None
    return _clean(title) if isinstance(title, str) else None


def _check_json_item(item: Any) -> None:
    fields = ", ".join(f'"{name}"' for name in JSON_TEXT_FIELDS)
    if isinstance(item, str):
        if not item.strip():
            raise InvalidArticle("the .json file has an empty text")
        return
    if not isinstance(item, dict):
        raise InvalidArticle(f"the .json file must be an object with one of {fields}")
    present = [name for name in JSON_TEXT_FIELDS if name in item]
    if not present:
        raise InvalidArticle(f"the .json object has none of the fields {fields}")
    value = item[present[0]]
    texts = value if isinstance(value, list) else [value]
    if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        raise InvalidArticle(f'the .json field "{present[0]}" must be a non-empty string or list of strings')


def _html_title(text: str) -> str | None:
    for pattern in (_HTML_TITLE, _HTML_H1):
        match = pattern.search(text)
        if match:
            title = _clean(html.unescape(_TAG.sub(" ", match.group(1))))
            if title:
                return title
    return None


def _markdown_title(text: str) -> str | None:
    """The first level-1 heading, wherever it is (front matter or a badge line may come first)."""
    match = _MARKDOWN_H1.search(text)
    return _clean(match.group(1)) if match else _first_line(text)


def _first_line(text: str) -> str | None:
    """The first non-blank line when it is short enough to be a title; a paragraph is not one."""
    for line in text.splitlines():
        title = _clean(line.lstrip("#").strip())
        if title:
            return title if len(title.split()) <= TITLE_MAX_WORDS else None
    return None


def _clean(value: str) -> str:
    title = " ".join(value.split())
    return title if len(title) <= TITLE_MAX_CHARS else title[: TITLE_MAX_CHARS - 1] + "…"

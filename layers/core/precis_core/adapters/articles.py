"""Uploaded articles: what S3 says about them, and whether they are worth an inference.

The decision is made on the object's metadata and a bounded ranged read of its start, never by
loading the whole object into the function's memory.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Required, TypedDict

from botocore.exceptions import ClientError

from precis_core.adapters.s3 import is_missing, object_exists
from precis_core.domain.json_articles import check_json_article, has_words
from precis_core.domain.metadata import JSON_FIELDS, ArticleMetadata, from_fields
from precis_core.domain.models import ArticleRef, InvalidArticle, UnknownVersion
from precis_core.domain.sniff import BINARY_TYPES, DOCX, PDF, MismatchedType, actual_type

if TYPE_CHECKING:  # the stubs are a dev dependency: the layer needs none of them at run time
    from mypy_boto3_s3 import S3Client

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
    # Read by the endpoint (precis_summarizer.documents), never parsed here.
    ".pdf": PDF,
    ".docx": DOCX,
}
# Byte-order marks, longest first (UTF-32 LE starts with the UTF-16 LE mark): the charset each one names.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
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
    metadata: dict[str, str] = field(default_factory=dict)  # S3 user metadata (x-amz-meta-*)


@dataclass(frozen=True)
class Article:
    """An upload that passed the checks: what to send the endpoint and what to show users (its title,
    and what it says about itself as far as the submit function reads it: JSON fields)."""

    content_type: str
    title: str
    size: int
    metadata: ArticleMetadata = ArticleMetadata()
    parameters: dict[str, int] | None = None  # summary settings chosen at upload (domain.parameters)


class ArticleSource:
    """Reads uploaded objects through an injected `boto3.client("s3")`."""

    def __init__(self, client: S3Client) -> None:
        self._client = client

    def describe(self, ref: ArticleRef) -> StoredObject:
        """HeadObject on the version the event named; see `read_start` for a missing one."""
        try:
            response = self._client.head_object(**_object_args(ref))
        except ClientError as error:
            self._raise_if_gone(ref, error)
            raise
        return StoredObject(
            size=int(response["ContentLength"]),
            etag=response.get("ETag", "").strip('"'),
            version_id=response.get("VersionId"),
        )

    def read_start(self, ref: ArticleRef, limit: int = SAMPLE_BYTES) -> tuple[StoredObject, bytes]:
        """The version's metadata and its first `limit` bytes from one ranged GET (its Content-Range
        carries the whole size); see `_raise_if_gone` for an object or version that is not there."""
        try:
            response = self._client.get_object(**_object_args(ref), Range=f"bytes=0-{limit - 1}")
        except ClientError as error:
            self._raise_if_gone(ref, error)
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
            metadata=dict(response.get("Metadata") or {}),
        )
        return stored, sample[:limit]

    def sample(self, ref: ArticleRef, limit: int = SAMPLE_BYTES) -> bytes:
        """The first `limit` bytes of the object (a ranged GET)."""
        response = self._client.get_object(**_object_args(ref), Range=f"bytes=0-{limit - 1}")
        return response["Body"].read(limit)

    def _raise_if_gone(self, ref: ArticleRef, error: ClientError) -> None:
        """InvalidArticle for an upload deleted before it was read (the user gets a FAILED record);
        UnknownVersion for an event naming a version the object does not have while the object is
        there (stale or forged: its real versions have their own events), a malformed version id
        (InvalidArgument) or a bucket that does not exist."""
        code = error.response.get("Error", {}).get("Code")
        where = f"s3://{ref.bucket}/{ref.key}"
        if code in ("InvalidArgument", "NoSuchBucket") or (
            ref.version_id and is_missing(error) and object_exists(self._client, ref.bucket, ref.key)
        ):
            raise UnknownVersion(f"{where} has no version {ref.version_id!r} ({code})") from error
        if is_missing(error):
            raise InvalidArticle("the object was deleted before it could be submitted") from error


class _ObjectArgs(TypedDict, total=False):
    """The object's address in a GetObject/HeadObject request."""

    Bucket: Required[str]
    Key: Required[str]
    VersionId: str


def _object_args(ref: ArticleRef) -> _ObjectArgs:
    args: _ObjectArgs = {"Bucket": ref.bucket, "Key": ref.key}
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
    at the end of a partial sample is not an encoding error. Whatever else the content makes the checks
    raise (a parser's recursion limit, say) refuses the upload too, with the error as the reason.
    """
    content_type = content_type_for(key)
    check_size(size, max_bytes)
    try:
        return _judge(key, content_type, size, sample)
    except InvalidArticle:
        raise
    except Exception as error:  # noqa: BLE001 - content that breaks a check is refused, never retried
        reason = f"the file could not be read as {content_type}: {type(error).__name__}"
        raise InvalidArticle(reason) from error


def _judge(key: str, content_type: str, size: int, sample: bytes) -> Article:
    complete = len(sample) >= size
    fallback = PurePosixPath(key).stem
    try:
        content_type = actual_type(content_type, sample[:4096])
    except MismatchedType as mismatch:
        raise InvalidArticle(str(mismatch)) from mismatch
    if content_type in BINARY_TYPES:
        # The endpoint extracts the text (and the document's own title); the file name stands in till then.
        return Article(content_type, fallback, size)
    text, charset = _decode(sample, complete)
    if charset != "utf-8":
        content_type = f"{content_type}; charset={charset}"
    if content_type.startswith("application/json"):
        metadata = _json_metadata(text, complete)
        return Article(content_type, metadata.title or fallback, size, metadata)
    if complete and not text.strip():
        raise InvalidArticle("the file contains only whitespace")
    if complete and not has_words(_TAG.sub(" ", html.unescape(text)) if "html" in content_type else text):
        raise InvalidArticle("the file has no words to summarize (no letters or digits)")
    if content_type.startswith("text/html"):
        return Article(content_type, _html_title(text) or fallback, size)
    if content_type == "text/markdown":
        return Article(content_type, _markdown_title(text) or fallback, size)
    return Article(content_type, _first_line(text) or fallback, size)


def _decode(sample: bytes, complete: bool) -> tuple[str, str]:
    """The sample's text and its charset: UTF-8, or UTF-16/UTF-32 named by a byte-order mark."""
    charset = next((name for mark, name in _BYTE_ORDER_MARKS if sample.startswith(mark)), "utf-8")
    if charset == "utf-8" and b"\x00" in sample:
        if sample[1:64:2].count(0) > 16 or sample[0:64:2].count(0) > 16:
            raise InvalidArticle(
                "the file looks like UTF-16 without a byte-order mark; save it as UTF-8 "
                "(or UTF-16 with a BOM)"
            )
        raise InvalidArticle("the file looks binary (it contains NUL bytes); upload UTF-8 text")
    decoder = codecs.getincrementaldecoder(charset)()
    try:
        text = decoder.decode(sample, final=complete)
    except UnicodeDecodeError as error:
        name = "UTF-8" if charset == "utf-8" else f"{charset.upper()} (as its byte-order mark says)"
        raise InvalidArticle(
            f"the file is not valid {name} (byte {error.start} is 0x{sample[error.start]:02x}); "
            "save it as UTF-8"
        ) from error
    text = text.removeprefix("\ufeff")
    controls = len(_CONTROL.findall(text))
    if text and controls / len(text) > _CONTROL_RATIO:
        raise InvalidArticle(
            f"the file looks binary ({controls} control characters in its first {len(text)})"
        )
    return text, charset


def _json_metadata(text: str, complete: bool) -> ArticleMetadata:
    """A JSON article's fields (title, id, url, source, authors, published); none from one too long to
    parse here (the endpoint returns them beside the summary)."""
    if not complete:
        # Too long to parse here: at least the start must look like a JSON object.
        if not text.lstrip().startswith("{"):
            raise InvalidArticle("the .json file does not start with an object")
        return ArticleMetadata()
    metadata = from_fields(check_json_article(text), JSON_FIELDS)
    return replace(metadata, title=_clean(metadata.title)) if metadata.title else metadata


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

"""The domain: document states, summary records, inference results and the errors the services name."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum, StrEnum
from typing import Any

from precis_core.domain.about import MAX_ENTITIES, MAX_KEY_PHRASES, entities_of, key_phrases_of, merged


class Status(StrEnum):
    QUEUED = "QUEUED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class Dispatch(StrEnum):
    """Who may call the endpoint for a QUEUED record, so a retried event invokes it once and only once."""

    CLAIMED = "claimed"  # a submit is calling the endpoint now (until `dispatch_until`)
    RELEASED = "released"  # the last call failed retryably: the next delivery of the event may claim it
    SENT = "sent"  # the endpoint accepted the request


class PrecisError(Exception):
    """Base of the errors the precis services raise on purpose."""


class SettingsError(PrecisError):
    """The function's environment is missing or has a bad value: fail at start, not deep in a request."""


class InvalidArticle(PrecisError):
    """The uploaded object cannot be summarized; `reason` is written to the FAILED record as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownVersion(PrecisError):
    """The S3 event names an object version that does not exist: there is no upload to keep a record of."""


class EndpointRejected(PrecisError):
    """The endpoint refused the request for good (validation): retrying the same call cannot succeed."""


class EndpointUnavailable(PrecisError):
    """The endpoint could not take the request now (throttling, 5xx, network), after botocore retried."""


class MalformedNotification(PrecisError):
    """An SNS message that is not a SageMaker async inference notification."""


class UnreadableResult(PrecisError):
    """The output object of a successful inference is not the inference script's JSON."""


class ResultMissing(PrecisError):
    """A notification names an output object that is not there (yet): retry later."""


class RecordRejected(PrecisError):
    """DynamoDB refused to write the record as asked (ValidationException: e.g. over its item limit)."""


class DispatchPending(PrecisError):
    """A notification arrived before the submit recorded where its inference writes: retry later."""


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Location:
        """`s3://bucket/key` → S3Location; ValueError for anything else."""
        if not uri or not uri.startswith("s3://"):
            raise ValueError(f"not an s3:// URI: {uri!r}")
        bucket, _, key = uri[len("s3://") :].partition("/")
        if not bucket or not key:
            raise ValueError(f"an s3:// URI needs a bucket and a key: {uri!r}")
        return cls(bucket, key)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class ArticleRef:
    """One uploaded object version, as an S3 event names it (key already URL-decoded)."""

    bucket: str
    key: str
    version_id: str | None = None
    etag: str = ""
    size: int | None = None

    @property
    def location(self) -> S3Location:
        return S3Location(self.bucket, self.key)


@dataclass(frozen=True)
class InferenceResult:
    """The inference script's output (one item, or several joined when the request was a list)."""

    summary: str
    model: str
    engine: str
    words_in: int
    words_out: int
    chunks: int
    elapsed_ms: int | None = None
    document: dict[str, Any] | None = None  # what the article says about itself (precis_core.domain.metadata)
    key_phrases: list[str] = field(default_factory=list)
    entities: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def from_output(cls, payload: Any) -> InferenceResult:
        """Parse the decoded output JSON: an object, or a list of objects joined with blank lines."""
        items = payload if isinstance(payload, list) else [payload]
        if not items or not all(isinstance(item, dict) for item in items):
            raise UnreadableResult("the output is neither a summary object nor a list of them")
        try:
            parsed = [_one_result(item) for item in items]
        except (KeyError, TypeError, ValueError) as error:
            raise UnreadableResult(f"the output lacks a field or has a bad value: {error}") from error
        if len(parsed) == 1:
            return parsed[0]
        elapsed = [r.elapsed_ms for r in parsed if r.elapsed_ms is not None]
        return cls(
            summary="\n\n".join(r.summary for r in parsed),
            model=parsed[0].model,
            engine=parsed[0].engine,
            words_in=sum(r.words_in for r in parsed),
            words_out=sum(r.words_out for r in parsed),
            chunks=sum(r.chunks for r in parsed),
            elapsed_ms=sum(elapsed) if elapsed else None,
            document=parsed[0].document,
            key_phrases=merged([r.key_phrases for r in parsed], MAX_KEY_PHRASES),
            entities=merged([r.entities for r in parsed], MAX_ENTITIES),
        )


def _one_result(item: dict[str, Any]) -> InferenceResult:
    summary = item["summary"]
    if not isinstance(summary, str):
        raise TypeError("summary is not a string")
    elapsed = item.get("elapsed_ms")
    document = item.get("document")
    return InferenceResult(
        summary=summary,
        model=str(item["model"]),
        engine=str(item["engine"]),
        words_in=int(item["words_in"]),
        words_out=int(item["words_out"]),
        chunks=int(item["chunks"]),
        elapsed_ms=None if elapsed is None else int(elapsed),
        document=document if isinstance(document, dict) else None,
        key_phrases=key_phrases_of(item.get("key_phrases")),
        entities=entities_of(item.get("entities")),
    )


@dataclass(frozen=True)
class AcceptedInference:
    """What InvokeEndpointAsync returned for an accepted request."""

    inference_id: str
    output_location: str
    failure_location: str | None = None


@dataclass(frozen=True)
class Notification:
    """A SageMaker async inference notification (success or error topic)."""

    inference_id: str
    succeeded: bool
    input_location: str | None = None
    output_location: str | None = None
    failure_location: str | None = None
    failure_reason: str | None = None
    event_time: str | None = None


@dataclass
class SummaryRecord:
    """One item of the summaries table (see docs/ARCHITECTURE.md): one document version."""

    document_id: str
    status: Status
    inference_id: str
    attempt: int
    input_location: str
    collection: str
    submitted_at: str
    title: str | None = None
    # What the article says about itself (precis_core.domain.metadata): where the title came from, the
    # article's own id, url, source, authors, and its date (YYYY-MM-DD) with where that came from.
    title_source: str | None = None
    article_id: str | None = None
    url: str | None = None
    source: str | None = None
    authors: list[str] | None = None
    published: str | None = None  # its own date, else the submission day (published_source "submitted")
    published_source: str | None = None
    published_note: str | None = None  # a published value that is not a date (never fatal)
    parameters: dict[str, int] | None = None  # summary settings chosen at upload (domain.parameters)
    content_type: str | None = None
    bytes: int | None = None
    version_id: str | None = None
    etag: str | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    dispatch: Dispatch | None = None
    dispatch_until: str | None = None  # when a CLAIMED dispatch may be taken over
    dispatch_failures: int | None = None  # this attempt's failed endpoint calls (services.dispatch)
    dispatch_error: str | None = None  # the last one's error
    dispatch_after: str | None = None  # reconcile calls again no sooner
    output_location: str | None = None
    failure_location: str | None = None
    failure_reason: str | None = None
    summary: str | None = None
    model: str | None = None
    engine: str | None = None
    words_in: int | None = None
    words_out: int | None = None
    chunks: int | None = None
    completed_at: str | None = None
    latency_ms: int | None = None
    summary_truncated: bool | None = None  # the full summary is in the object at output_location
    dismissed_at: str | None = None  # a FAILED document its user chose not to fix (`precis dismiss`)
    key_phrases: list[str] | None = None  # what the whole article is about, best first (domain.about)
    entities: list[dict[str, str]] | None = None  # its named things: {"text", "type"}
    reconcile_error: str | None = None  # why the last reconcile run could not settle it (still QUEUED)
    reconcile_error_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain attributes, without the unset ones (DynamoDB stores no nulls for us)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            out[f.name] = value.value if isinstance(value, Enum) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SummaryRecord:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["status"] = Status(values["status"])
        if values.get("dispatch") is not None:
            values["dispatch"] = Dispatch(values["dispatch"])
        return cls(**values)


# A failure reason as records and attempts keep it (a failure object can hold a whole traceback).
MAX_REASON_CHARS = 2_000


def bounded_reason(reason: str) -> str:
    return reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 1] + "…"


def settle_attempt(
    attempts: list[dict[str, Any]],
    inference_id: str,
    status: Status,
    completed_at: str,
    failure_reason: str | None = None,
) -> list[dict[str, Any]]:
    """The attempts history with `inference_id`'s entry closed (added if the history lacks it)."""
    closed = {"status": status.value, "completed_at": completed_at}
    if failure_reason:
        closed["failure_reason"] = failure_reason
    history = [dict(entry) for entry in attempts]
    for entry in history:
        if entry.get("inference_id") == inference_id:
            entry.update(closed)
            return history
    return [*history, {"inference_id": inference_id, **closed}]

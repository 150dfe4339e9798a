"""The endpoint's output and failure objects in S3, read through an injected `boto3.client("s3")`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from precis_core.adapters.s3 import is_missing, object_exists
from precis_core.domain.models import (
    MAX_REASON_CHARS,
    InferenceResult,
    ResultMissing,
    S3Location,
    UnreadableResult,
    bounded_reason,
)

if TYPE_CHECKING:  # the stubs are a dev dependency: the layer needs none of them at run time
    from mypy_boto3_s3 import S3Client

# An output is a summary and a few numbers; anything this big is not ours.
MAX_OUTPUT_BYTES = 8 * 1024 * 1024

logger = Logger(child=True)


@dataclass(frozen=True)
class ResultPaths:
    """Where the endpoint config has SageMaker write (S3OutputPath, S3FailurePath; `s3://.../` each):
    a location anywhere else did not come from this endpoint."""

    output: str
    failure: str | None = None

    def holds(self, location: str | None, *, failure: bool = False) -> bool:
        path = self.failure if failure else self.output
        return bool(location and path and location.startswith(path) and len(location) > len(path))


class InferenceOutputs:
    """The endpoint's output and failure objects; give it a `boto3.client("s3")`."""

    def __init__(self, client: S3Client) -> None:
        self._client = client

    def exists(self, location: str) -> bool:
        """Whether the endpoint has written the object at `location` (an output or a failure)."""
        target = S3Location.parse(location)
        return object_exists(self._client, target.bucket, target.key)

    def read_result(self, output_location: str) -> InferenceResult:
        """The InferenceResult at `output_location`; ResultMissing if absent, UnreadableResult if not ours."""
        body = self._read(output_location, MAX_OUTPUT_BYTES + 1)
        if body is None:
            raise ResultMissing(f"no output object at {output_location}")
        if len(body) > MAX_OUTPUT_BYTES:
            raise UnreadableResult(f"the output at {output_location} is over {MAX_OUTPUT_BYTES:,} bytes")
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise UnreadableResult(f"the output at {output_location} is not JSON: {error}") from error
        return InferenceResult.from_output(payload)

    def read_failure(self, failure_location: str | None) -> str | None:
        """The failure object's message (its `message`/`error` field when JSON, else its text), or None.

        Best effort: the notification's failureReason stands in when the object cannot be read."""
        if not failure_location:
            return None
        try:
            body = self._read(failure_location, MAX_REASON_CHARS * 4)  # UTF-8: at most 4 bytes a character
        except (ClientError, UnreadableResult) as error:
            # Without s3:ListBucket a missing object answers 403: either way the reason is elsewhere.
            logger.warning("failure object unreadable", extra={"at": failure_location, "error": f"{error}"})
            return None
        if not body:
            return None
        return failure_message(body.decode("utf-8", errors="replace"))

    def _read(self, location: str, limit: int) -> bytes | None:
        try:
            target = S3Location.parse(location)
        except ValueError as error:
            raise UnreadableResult(str(error)) from error
        try:
            response = self._client.get_object(
                Bucket=target.bucket, Key=target.key, Range=f"bytes=0-{limit - 1}"
            )
        except ClientError as error:
            if is_missing(error):
                return None
            raise
        return response["Body"].read(limit)


def failure_message(text: str) -> str | None:
    """The human part of a failure body: the model server's JSON `message` or `error`, else the text."""
    message = text.strip()
    try:
        payload = json.loads(message)
    except json.JSONDecodeError:
        payload = None
    if isinstance(payload, dict):
        for name in ("message", "error", "errorMessage"):
            if isinstance(payload.get(name), str) and payload[name].strip():
                message = payload[name].strip()
                break
    if not message:
        return None
    return bounded_reason(message)

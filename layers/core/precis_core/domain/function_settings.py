"""The functions' environment (docs/ARCHITECTURE.md), read and validated once per container.

A missing or bad value raises `SettingsError` naming every problem at once, before any work starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from precis_core.domain.limits import MAX_BODY_BYTES
from precis_core.domain.models import SettingsError

# The API's own bounds for X-Amzn-SageMaker-RequestTTLSeconds and -InvocationTimeoutSeconds.
REQUEST_TTL_RANGE = (60, 21600)
INVOCATION_TIMEOUT_RANGE = (1, 3600)


@dataclass(frozen=True)
class SummarizerEndpointSettings:
    """The endpoint a function calls and the limits it sends with each request (submit, reconcile)."""

    endpoint_name: str
    request_ttl_seconds: int
    invocation_timeout_seconds: int


class _Reader:
    """Collects every problem so one start-up error lists them all."""

    def __init__(self, environ: Mapping[str, str] | None) -> None:
        self.environ = os.environ if environ is None else environ
        self.problems: list[str] = []

    def text(self, name: str) -> str:
        value = self.environ.get(name, "").strip()
        if not value:
            self.problems.append(f"{name} is not set")
        return value

    def integer(self, name: str, low: int, high: int | None = None, default: int | None = None) -> int:
        """An integer in low..high (no upper bound without `high`); unset, `default` if there is one."""
        if default is not None and not self.environ.get(name, "").strip():
            return default
        raw = self.text(name)
        if not raw:
            return 0
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{name}={raw!r} is not an integer")
            return 0
        if value < low or (high is not None and value > high):
            bounds = f"{low}..{high}" if high is not None else f"{low}.."
            self.problems.append(f"{name}={value} is outside {bounds}")
        return value

    def s3_path(self, name: str) -> str:
        """An `s3://bucket/prefix/` the endpoint config writes under (AsyncInferenceConfig.OutputConfig)."""
        value = self.text(name)
        if value and not (value.startswith("s3://") and value.endswith("/") and len(value.split("/")) >= 4):
            self.problems.append(f"{name}={value!r} is not an s3://bucket/prefix/ path")
        return value

    def time_scale(self) -> float:
        """PRECIS_TIME_SCALE: how many seconds of the durations above pass per wall-clock second. Unset
        (AWS) it is 1; the local stack sets its `--time-scale`, so reconcile's waits follow its clock."""
        raw = self.environ.get("PRECIS_TIME_SCALE", "").strip()
        if not raw:
            return 1.0
        try:
            value = float(raw)
        except ValueError:
            value = 0.0
        if not value > 0 or value == float("inf"):
            self.problems.append(f"PRECIS_TIME_SCALE={raw!r} is not a positive number")
            return 1.0
        return value

    def summarizer_endpoint(self) -> SummarizerEndpointSettings:
        """ENDPOINT_NAME and the two limits sent with each request, within the API's bounds."""
        return SummarizerEndpointSettings(
            endpoint_name=self.text("ENDPOINT_NAME"),
            request_ttl_seconds=self.integer("REQUEST_TTL_SECONDS", *REQUEST_TTL_RANGE),
            invocation_timeout_seconds=self.integer("INVOCATION_TIMEOUT_SECONDS", *INVOCATION_TIMEOUT_RANGE),
        )

    def flag(self, name: str) -> bool:
        raw = self.environ.get(name, "false").strip().lower()
        if raw not in ("true", "false", ""):
            self.problems.append(f"{name}={raw!r} must be true or false")
        return raw == "true"

    def done(self, what: str) -> None:
        if self.problems:
            raise SettingsError(f"{what}: " + "; ".join(self.problems))


def tracing_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """PRECIS_TRACING: true or false (unset is false); SettingsError for anything else."""
    read = _Reader(environ)
    enabled = read.flag("PRECIS_TRACING")
    read.done("tracing settings")
    return enabled


@dataclass(frozen=True)
class RecordSettings:
    summaries_table: str
    output_path: str
    failure_path: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RecordSettings:
        read = _Reader(environ)
        settings = cls(
            summaries_table=read.text("SUMMARIES_TABLE"),
            output_path=read.s3_path("ASYNC_OUTPUT_PATH"),
            failure_path=read.s3_path("ASYNC_FAILURE_PATH"),
        )
        read.done("record function settings")
        return settings


@dataclass(frozen=True)
class SubmitSettings:
    summaries_table: str
    input_prefix: str
    max_input_bytes: int
    endpoint: SummarizerEndpointSettings
    time_scale: float = 1.0
    input_bucket: str = ""
    """The bucket whose uploads the function serves (INPUT_BUCKET; `precis retry` needs none)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SubmitSettings:
        read = _Reader(environ)
        settings = cls(
            summaries_table=read.text("SUMMARIES_TABLE"),
            input_prefix=read.text("INPUT_PREFIX"),
            max_input_bytes=read.integer("MAX_INPUT_BYTES", 1, MAX_BODY_BYTES),
            endpoint=read.summarizer_endpoint(),
            time_scale=read.time_scale(),
            input_bucket=read.text("INPUT_BUCKET"),
        )
        if settings.input_prefix and not settings.input_prefix.endswith("/"):
            read.problems.append(f"INPUT_PREFIX={settings.input_prefix!r} must end with '/'")
        read.done("submit function settings")
        return settings


@dataclass(frozen=True)
class ReconcileSettings:
    summaries_table: str
    output_path: str
    failure_path: str
    endpoint: SummarizerEndpointSettings
    older_than_seconds: int = 0
    time_scale: float = 1.0
    input_bucket: str = ""
    """Where uploads whose event was lost are looked for ('' looks for none)."""
    input_prefix: str = "incoming/"
    max_input_bytes: int = MAX_BODY_BYTES

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReconcileSettings:
        read = _Reader(environ)
        settings = cls(
            summaries_table=read.text("SUMMARIES_TABLE"),
            output_path=read.s3_path("ASYNC_OUTPUT_PATH"),
            failure_path=read.s3_path("ASYNC_FAILURE_PATH"),
            endpoint=read.summarizer_endpoint(),
            older_than_seconds=read.integer("RECONCILE_OLDER_THAN_SECONDS", 0, default=0),
            time_scale=read.time_scale(),
            input_bucket=read.text("INPUT_BUCKET"),
            input_prefix=read.text("INPUT_PREFIX"),
            max_input_bytes=read.integer("MAX_INPUT_BYTES", 1, MAX_BODY_BYTES),
        )
        read.done("reconcile function settings")
        return settings

    @property
    def older_than(self) -> timedelta:
        """How long a record stays QUEUED before a scheduled run looks at it."""
        return timedelta(seconds=self.older_than_seconds)


@dataclass(frozen=True)
class AnalyticsSettings:
    analytics_bucket: str
    analytics_prefix: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AnalyticsSettings:
        read = _Reader(os.environ if environ is None else environ)
        settings = cls(
            analytics_bucket=read.text("ANALYTICS_BUCKET"),
            analytics_prefix=read.text("ANALYTICS_PREFIX"),
        )
        if settings.analytics_prefix and not settings.analytics_prefix.endswith("/"):
            read.problems.append(f"ANALYTICS_PREFIX={settings.analytics_prefix!r} must end with /")
        read.done("analytics function settings")
        return settings

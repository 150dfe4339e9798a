"""The functions' environment (docs/ARCHITECTURE.md), read and validated once per container.

A missing or bad value raises `SettingsError` naming every problem at once, before any work starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from precis_core.models import SettingsError

# InvokeEndpointAsync accepts inputs up to 1 GB.
MAX_ASYNC_INPUT_BYTES = 1024**3
# The API's own bounds for X-Amzn-SageMaker-RequestTTLSeconds and -InvocationTimeoutSeconds.
REQUEST_TTL_RANGE = (60, 21600)
INVOCATION_TIMEOUT_RANGE = (1, 3600)


class _Reader:
    """Collects every problem so one start-up error lists them all."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def text(self, name: str) -> str:
        value = self.environ.get(name, "").strip()
        if not value:
            self.problems.append(f"{name} is not set")
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        raw = self.text(name)
        if not raw:
            return 0
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{name}={raw!r} is not an integer")
            return 0
        if not low <= value <= high:
            self.problems.append(f"{name}={value} is outside {low}..{high}")
        return value

    def flag(self, name: str) -> bool:
        raw = self.environ.get(name, "false").strip().lower()
        if raw not in ("true", "false", ""):
            self.problems.append(f"{name}={raw!r} must be true or false")
        return raw == "true"

    def done(self, what: str) -> None:
        if self.problems:
            raise SettingsError(f"{what}: " + "; ".join(self.problems))


@dataclass(frozen=True)
class RecordSettings:
    summaries_table: str
    tracing: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RecordSettings:
        read = _Reader(os.environ if environ is None else environ)
        settings = cls(summaries_table=read.text("SUMMARIES_TABLE"), tracing=read.flag("PRECIS_TRACING"))
        read.done("record function settings")
        return settings


@dataclass(frozen=True)
class SubmitSettings:
    summaries_table: str
    endpoint_name: str
    input_prefix: str
    max_input_bytes: int
    request_ttl_seconds: int
    invocation_timeout_seconds: int
    tracing: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SubmitSettings:
        read = _Reader(os.environ if environ is None else environ)
        settings = cls(
            summaries_table=read.text("SUMMARIES_TABLE"),
            endpoint_name=read.text("ENDPOINT_NAME"),
            input_prefix=read.text("INPUT_PREFIX"),
            max_input_bytes=read.integer("MAX_INPUT_BYTES", 1, MAX_ASYNC_INPUT_BYTES),
            request_ttl_seconds=read.integer("REQUEST_TTL_SECONDS", *REQUEST_TTL_RANGE),
            invocation_timeout_seconds=read.integer("INVOCATION_TIMEOUT_SECONDS", *INVOCATION_TIMEOUT_RANGE),
            tracing=read.flag("PRECIS_TRACING"),
        )
        if settings.input_prefix and not settings.input_prefix.endswith("/"):
            read.problems.append(f"INPUT_PREFIX={settings.input_prefix!r} must end with '/'")
        read.done("submit function settings")
        return settings

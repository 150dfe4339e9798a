"""A function's execution environment as Lambda sets it up: its configuration from the template, the
context object passed to each invocation and the handler imported from the function's code."""

from __future__ import annotations

import importlib.util
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType


@dataclass(frozen=True)
class FunctionConfig:
    """What the stack tells a worker about its function, all read from the resolved template."""

    logical_id: str
    name: str
    arn: str
    code_dir: str
    handler: str
    queue_name: str
    queue_arn: str
    memory_mb: int = 128
    timeout_seconds: int = 3
    maximum_retry_attempts: int = 2
    maximum_event_age_seconds: int = 21600
    on_failure_queue_name: str | None = None
    on_failure_is_destination: bool = True
    schedules: list[dict] = field(default_factory=list)
    time_scale: float = 1.0
    visibility_timeout_seconds: int = 30
    """The event queue's, in real seconds: how soon a killed worker's messages are delivered again."""
    streams: list[dict] = field(default_factory=list)
    """Its DynamoDB stream event sources (precis.local.stream_source.StreamSource), polled by one worker."""
    checkpoint_dir: str | None = None
    """Where those pollers keep their shard positions (the stack's state directory)."""
    heartbeat_path: str | None = None  # precis.local.liveness.Heartbeat: the stack watches it

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> FunctionConfig:
        return cls(**json.loads(text))


class LambdaContext:
    """The attributes of Lambda's context object the handlers and Powertools read."""

    def __init__(self, config: FunctionConfig, request_id: str):
        self.function_name = config.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = config.arn
        self.memory_limit_in_mb = config.memory_mb
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{config.name}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + config.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(code_dir: str, handler: str):
    """Imports `<code_dir>/<module>.py` by path, as Lambda does for `Handler: module.function`."""
    module_name, _, function_name = handler.rpartition(".")
    path = Path(code_dir) / f"{module_name.replace('.', '/')}.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load handler module {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, function_name)

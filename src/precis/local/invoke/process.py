"""One invocation in a fresh process under the runtime interface client, with Lambda's limits and reports.

The process is `python -m awslambdaric <handler>` in the function's code directory, with the layers'
directories on its path (Lambda's /var/task and /opt/python) and AWS_LAMBDA_RUNTIME_API pointing at a
`RuntimeApi` that holds the one event. Its output and the runtime's log frames (the telemetry pipe
Lambda reads, `_LAMBDA_TELEMETRY_LOG_FD`) are copied to `log`, between Lambda's START and END lines; the
REPORT line follows. Past the function's Timeout, or above its MemorySize, the process is killed and the
invocation fails as Lambda fails it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from precis.local.invoke.runtime_api import Invocation, Outcome, RuntimeApi

INIT_LIMIT_SECONDS = 10
"""Lambda's limit on the init phase (importing the handler's module) of an on-demand function."""

_POLL_SECONDS = 0.02
_FRAME_HEADER_BYTES = 16  # frame type (4), length (4), timestamp in microseconds (8), big-endian
_MIB = 1024 * 1024


@dataclass(frozen=True)
class FunctionProcess:
    """What the function's process is started with, read from the template (precis.local.invoke.function)."""

    logical_id: str
    name: str
    arn: str
    handler: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    memory_mb: int
    timeout_seconds: int
    environment: dict[str, str]


class TextSink(Protocol):
    """Where the log lines go: a text file or anything with its write and flush."""

    def write(self, text: str, /) -> object: ...
    def flush(self) -> object: ...


Payload = dict | list | str | int | float | bool | None
"""A response as JSON decodes it (or the text itself when it is not JSON)."""


@dataclass(frozen=True)
class InvokeResult:
    request_id: str
    status: str
    """`success`, `error` (the handler raised), `timeout`, `out of memory`, `init error` or `exit`."""
    payload: Payload
    init_ms: float
    duration_ms: float
    billed_ms: int
    max_memory_mb: int

    @property
    def succeeded(self) -> bool:
        return self.status == "success"

    def report_line(self, memory_size_mb: int) -> str:
        """Lambda's REPORT line (tab-separated, Init Duration last, a Status for a failed invocation)."""
        fields = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {self.billed_ms} ms",
            f"Memory Size: {memory_size_mb} MB",
            f"Max Memory Used: {self.max_memory_mb} MB",
            f"Init Duration: {self.init_ms:.2f} ms",
        ]
        if self.status in ("timeout", "out of memory", "exit"):
            fields.append(f"Status: {'timeout' if self.status == 'timeout' else 'error'}")
        if isinstance(self.payload, dict) and self.status in ("out of memory", "exit"):
            fields.append(f"Error Type: {self.payload.get('errorType')}")
        return "\t".join(fields)


def invoke(
    function: FunctionProcess, event: bytes, log: TextSink, request_id: str | None = None
) -> InvokeResult:
    """Runs the handler once on `event` (JSON bytes); its logs and Lambda's lines go to `log`."""
    request_id = request_id or str(uuid.uuid4())
    writer = _LogWriter(log)
    api = RuntimeApi(
        Invocation(request_id, event, function.arn, function.timeout_seconds),
        on_start=lambda: writer.line(f"START RequestId: {request_id} Version: $LATEST"),
    ).start()
    telemetry_read, telemetry_write = os.pipe()
    launched = time.monotonic()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", function.handler],
            cwd=function.code_dir,
            env=_process_environment(function, api.address, telemetry_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(telemetry_write,),
        )
    finally:
        os.close(telemetry_write)
    pumps = [
        threading.Thread(target=writer.copy, args=(process.stdout,), daemon=True),
        threading.Thread(target=writer.copy_frames, args=(os.fdopen(telemetry_read, "rb", 0),), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    peak = 0
    try:
        status, payload, peak = _watch(function, api, process, request_id, writer)
    finally:
        peak = max(peak, _peak_rss(process.pid))  # the process waits for its next event: still there
        process.kill()
        process.wait()
        api.stop()
        for pump in pumps:
            pump.join(timeout=2)
    ended = api.finished_at or time.monotonic()
    started = api.started_at or ended
    init_ms = (started - launched) * 1000
    duration_ms = (ended - started) * 1000
    result = InvokeResult(
        request_id=request_id,
        status=status,
        payload=payload,
        init_ms=init_ms,
        duration_ms=duration_ms,
        billed_ms=math.ceil(init_ms + duration_ms),
        max_memory_mb=math.ceil(peak / _MIB),
    )
    writer.line(f"END RequestId: {request_id}")
    writer.line(result.report_line(function.memory_mb))
    return result


def _watch(
    function: FunctionProcess, api: RuntimeApi, process: subprocess.Popen, request_id: str, writer: _LogWriter
) -> tuple[str, Payload, int]:
    """Waits for the invocation's end, the process's exit, its timeout or its memory limit."""
    peak = 0
    limit_bytes = function.memory_mb * _MIB
    launched = time.monotonic()
    while not api.finished.wait(_POLL_SECONDS):
        peak = max(peak, _rss(process.pid))
        now = time.monotonic()
        timed_out = (
            now - api.started_at > function.timeout_seconds
            if api.started.is_set()
            else now - launched > INIT_LIMIT_SECONDS + function.timeout_seconds
        )
        if timed_out:
            api.finish(Outcome("timeout", b""))
            message = f"Task timed out after {function.timeout_seconds:.2f} seconds"
            writer.line(f"{_timestamp()} {request_id} {message}")
            return "timeout", _platform_error("Sandbox.Timedout", request_id, message), peak
        if peak > limit_bytes:
            api.finish(Outcome("out of memory", b""))
            message = "Runtime exited with error: signal: killed"
            return "out of memory", _platform_error("Runtime.OutOfMemory", request_id, message), peak
        code = process.poll()
        if code is not None and not api.finished.wait(0.2):  # its last POST may still be on the way
            api.finish(Outcome("exit", b""))
            reason = f"signal: {_signal_name(-code)}" if code < 0 else f"exit status {code}"
            message = f"Runtime exited with error: {reason}"
            return "exit", _platform_error("Runtime.ExitError", request_id, message), peak
    outcome = api.outcome
    assert outcome is not None
    if outcome.kind == "response":
        return "success", _json_or_text(outcome.body), peak
    return ("error" if outcome.kind == "error" else "init error"), outcome.error(), peak


def _process_environment(function: FunctionProcess, runtime_api: str, telemetry_fd: int) -> dict[str, str]:
    """The function's environment and what the runtime needs: its API, the log pipe, the code path."""
    path = [str(function.code_dir), *(str(layer) for layer in function.layer_dirs)]
    return {
        **function.environment,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "_LAMBDA_TELEMETRY_LOG_FD": str(telemetry_fd),
        "LAMBDA_TASK_ROOT": str(function.code_dir),
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
        "PYTHONPATH": os.pathsep.join(path),
    }


def _platform_error(error_type: str, request_id: str, message: str) -> dict:
    """The error Lambda returns when it stops an invocation itself (no stack trace: no code raised)."""
    return {"errorType": error_type, "errorMessage": f"RequestId: {request_id} Error: {message}"}


def _json_or_text(body: bytes) -> Payload:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def _rss(pid: int) -> int:
    return _status_bytes(pid, "VmRSS:")


def _peak_rss(pid: int) -> int:
    return _status_bytes(pid, "VmHWM:")


def _status_bytes(pid: int, field: str) -> int:
    """A memory figure of /proc/<pid>/status in bytes (0 once the process is gone, or without /proc)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0


def _signal_name(number: int) -> str:
    return {9: "killed", 15: "terminated", 6: "aborted", 11: "segmentation fault"}.get(number, str(number))


def _timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _LogWriter:
    """Whole lines to the log from several threads (the process's output, the runtime's frames, ours)."""

    def __init__(self, log: TextSink) -> None:
        self._log = log
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock:
            self._log.write(text if text.endswith("\n") else f"{text}\n")
            self._log.flush()

    def copy(self, stream: BinaryIO | None) -> None:
        if stream is None:
            return
        for raw in iter(stream.readline, b""):
            self.line(raw.decode("utf-8", "replace"))

    def copy_frames(self, stream: BinaryIO) -> None:
        """The runtime's log frames (type, length, timestamp, message), one message each."""
        with stream:
            while header := _read_exactly(stream, _FRAME_HEADER_BYTES):
                length = int.from_bytes(header[4:8], "big")
                self.line(_read_exactly(stream, length).decode("utf-8", "replace"))


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return b""
        data += chunk
    return data

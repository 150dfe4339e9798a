"""The Lambda Runtime API for one invocation, on 127.0.0.1, as the runtime interface client calls it.

`GET /2018-06-01/runtime/invocation/next` returns the event with the request id, deadline and function
ARN headers (the runtime's call ends its init phase); `POST .../invocation/<id>/response` and
`.../invocation/<id>/error` end the invocation; `POST /2018-06-01/runtime/init/error` reports a
handler that could not be loaded. A second `next` waits: the process is stopped once the invocation
ends, as Lambda freezes an execution environment between invocations.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


@dataclass(frozen=True)
class Invocation:
    request_id: str
    event: bytes
    function_arn: str
    timeout_seconds: int


@dataclass
class Outcome:
    """How the invocation ended: `response`, `error` or `init_error`, with the body the runtime posted."""

    kind: str
    body: bytes
    error_type: str | None = None

    def error(self) -> dict:
        """The posted error document (Lambda's errorType/errorMessage/stackTrace)."""
        try:
            document = json.loads(self.body)
        except ValueError:
            document = {"errorMessage": self.body.decode("utf-8", "replace")}
        return document if isinstance(document, dict) else {"errorMessage": str(document)}


@dataclass
class RuntimeApi:
    """Serves one invocation; `started` is set when the runtime takes it, `finished` when it answers."""

    invocation: Invocation
    on_start: Callable[[], None] = lambda: None
    started: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    started_at: float = 0.0
    finished_at: float = 0.0
    outcome: Outcome | None = None
    _closing: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    @property
    def address(self) -> str:
        """`host:port`, as AWS_LAMBDA_RUNTIME_API carries it."""
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # getsockname() of an AF_INET socket
        return f"{host}:{port}"

    def start(self) -> RuntimeApi:
        api = self

        class Handler(_RuntimeRequestHandler):
            runtime = api

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def next_invocation(self) -> tuple[bytes, dict[str, str]] | None:
        """The event and its headers the first time; None (after the API closes) for any later call."""
        if self.started.is_set():
            self._closing.wait()
            return None
        self.started_at = time.monotonic()
        self.on_start()
        self.started.set()
        deadline_ms = int((time.time() + self.invocation.timeout_seconds) * 1000)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": self.invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.invocation.function_arn,
            "Lambda-Runtime-Trace-Id": (
                f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"
            ),
            "Content-Type": "application/json",
        }
        return self.invocation.event, headers

    def finish(self, outcome: Outcome) -> bool:
        """Records the invocation's end; False if it had already ended (a second answer is refused)."""
        if self.finished.is_set():
            return False
        self.finished_at = time.monotonic()
        self.outcome = outcome
        self.finished.set()
        return True


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A runtime killed while it waits for its next event drops its connection: nothing to report."""


class _RuntimeRequestHandler(BaseHTTPRequestHandler):
    runtime: RuntimeApi
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Quiet: the function's stderr is the user's log."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path != f"{API_PREFIX}/invocation/next":
            self._answer(HTTPStatus.NOT_FOUND, {"errorMessage": f"unknown path {self.path}"})
            return
        served = self.runtime.next_invocation()
        if served is None:
            self._answer(HTTPStatus.GONE, {"errorMessage": "the invocation is over"})
            return
        event, headers = served
        self.send_response(HTTPStatus.OK)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(event)))
        self.end_headers()
        self.wfile.write(event)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        error_type = self.headers.get(ERROR_TYPE_HEADER)
        request_id = self.runtime.invocation.request_id
        kinds = {
            f"{API_PREFIX}/invocation/{request_id}/response": "response",
            f"{API_PREFIX}/invocation/{request_id}/error": "error",
            f"{API_PREFIX}/init/error": "init_error",
        }
        kind = kinds.get(self.path)
        if kind is None:
            self._answer(HTTPStatus.NOT_FOUND, {"errorMessage": f"unknown path {self.path}"})
        elif self.runtime.finish(Outcome(kind, body, error_type)):
            self._answer(HTTPStatus.ACCEPTED, {"status": "OK"})
        else:
            self._answer(HTTPStatus.BAD_REQUEST, {"errorMessage": "the invocation has already ended"})

    def _answer(self, status: HTTPStatus, document: dict) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

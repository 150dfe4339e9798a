"""The HTTP side of the local stack's moto server: moto's own WSGI app and request handler, on kept-alive
HTTP/1.1 connections.

werkzeug's development server (what `moto_server` runs) closes every connection after one response, so
each AWS call of the pipeline paid a TCP connect, a new thread, and a 10 ms wait for stray body bytes.
Here each connection keeps its thread and serves request after request:
- the request body is read whole before moto sees it (from Content-Length, or de-chunked), so the next
  request always starts where this one's body ends;
- the response (status, headers, body) goes out in one write, with a Content-Length when moto gave none;
- the request line is logged as werkzeug logs it, without colour, by a writer that batches lines.
The environ is built by moto's own handler (`MotoRequestHandler.make_environ`, which keeps S3 metadata
header names) and every answer is moto's app's; only the framing around it differs.
"""

from __future__ import annotations

import io
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any, BinaryIO

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.exceptions import InternalServerError
from werkzeug.serving import DechunkedInput, ThreadedWSGIServer

_NO_BODY_STATUSES = {HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED}
_FLUSH_SECONDS = 0.2


class RequestLog:
    """Request lines appended in memory and written to `stream` in batches by one thread.

    Appending takes no lock and no system call, so serving threads never wait for one another over the
    log; `close` writes whatever is left."""

    def __init__(self, stream: BinaryIO, flush_seconds: float = _FLUSH_SECONDS) -> None:
        self._stream = stream
        self._lines: list[str] = []
        self._stop = threading.Event()
        self._interval = flush_seconds
        self._writer = threading.Thread(target=self._run, name="request-log", daemon=True)
        self._writer.start()

    def add(self, line: str) -> None:
        self._lines.append(line)

    def flush(self) -> None:
        lines, self._lines = self._lines, []
        if lines:
            self._stream.write("".join(lines).encode("utf-8", errors="replace"))
            self._stream.flush()

    def close(self) -> None:
        self._stop.set()
        self._writer.join()
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.flush()


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler serving any number of requests per connection (HTTP/1.1 keep-alive)."""

    protocol_version = "HTTP/1.1"
    # The whole response is one write; without TCP_NODELAY a write after a small one waits for the
    # client's delayed ACK (40 ms).
    disable_nagle_algorithm = True
    request_log: RequestLog | None = None

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(self._read_body(environ))
        try:
            status, headers, body = _call(self.server.app, environ)
        except Exception:
            self.log_error("Error on request:\n%s", traceback.format_exc())
            status, headers, body = _call(InternalServerError(), environ)
        self._respond(status, headers, body)

    def _read_body(self, environ: dict[str, Any]) -> bytes:
        """The request's whole body, so the connection is positioned at the next request. A chunked body
        stays a stream that ends with the body (wsgi.input_terminated), as werkzeug hands it to moto."""
        if isinstance(environ["wsgi.input"], DechunkedInput):
            return environ["wsgi.input"].read()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _respond(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        code, _, reason = status.partition(" ")
        lines = [f"{self.protocol_version} {code} {reason}\r\n"]
        lines.append(f"Server: {self.version_string()}\r\nDate: {self.date_time_string()}\r\n")
        names = set()
        for name, value in headers:
            names.add(name.lower())
            lines.append(f"{name}: {value}\r\n")
        no_body = self.command == "HEAD" or int(code) in _NO_BODY_STATUSES or code.startswith("1")
        if "content-length" not in names and not no_body:
            lines.append(f"Content-Length: {len(body)}\r\n")
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        head = "".join(lines).encode("latin-1")
        self.wfile.write(head if no_body else head + body)
        self.log_request(code, len(body))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """werkzeug's line: client, time, request line (control characters escaped), status, size."""
        request = self.requestline.translate(self._control_char_table)
        line = f'{self.client_address[0]} - - [{self.log_date_time_string()}] "{request}" {code} {size}\n'
        if self.request_log is None:
            sys.stderr.write(line)
        else:
            self.request_log.add(line)


def _call(app: Callable, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Runs a WSGI app to the end: its status, headers and whole body."""
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
        started["status"], started["headers"] = status, headers
        return lambda data: started.setdefault("written", []).append(data)

    chunks: Iterable[bytes] = app(environ, start_response)
    try:
        body = b"".join([*started.get("written", []), *chunks])
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return started["status"], started["headers"], body


def make_server(host: str, port: int, app: Callable, request_log: RequestLog) -> ThreadedWSGIServer:
    """A thread per connection, kept alive; each request handled by `KeepAliveHandler`."""
    handler = type("LoggedKeepAliveHandler", (KeepAliveHandler,), {"request_log": request_log})
    return ThreadedWSGIServer(host, port, app, handler)

"""The InvokeEndpointAsync REST API (rest-json, as boto3's sagemaker-runtime client speaks it)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from precis.local.gatekeeper import Request, refusal
from precis.local.sagemaker.delivery import AsyncRequest
from precis.local.sagemaker.endpoint_settings import EndpointSettings
from precis.local.sagemaker.faults import FaultError
from precis.local.sagemaker.journal_writes import JournalUnavailable
from precis.local.sagemaker.runtime import EndpointRuntime

INVOCATIONS = re.compile(r"^/endpoints/([^/]+)/async-invocations/?$")
STATUS_PATH = "/_precis/status"
PING_PATH = "/ping"
FAULTS_PATH = "/_precis/faults"
JOURNAL_PATH = "/_precis/journal"
# The service model's patterns, as SageMaker (Java) reads them: `.` matches no line terminator, lengths
# count UTF-16 code units, \p{Print} is printable ASCII.
_ANY = r"[^\n\r\u0085\u2028\u2029]"
INPUT_LOCATION = re.compile(rf"(https|s3)://([^/]+)/?({_ANY}*)")
INFERENCE_ID = re.compile(r"\S[\x20-\x7e]*")
FILENAME = re.compile(r"(?!.*\..*\.)[a-zA-Z0-9][a-zA-Z0-9-_.]*")
PATH_EXTENSION = re.compile(r"(?!s3:|https:)[a-zA-Z0-9!_.*'()/-]+")
HEADER = "X-Amzn-SageMaker-"


class ValidationError(Exception):
    """Answered as AWS does: 400 with x-amzn-ErrorType ValidationError and a JSON message."""


class AsyncInvocationServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        settings: EndpointSettings,
        runtime: EndpointRuntime,
        admin_secret: str | None = None,
    ) -> None:
        super().__init__(address, AsyncInvocationHandler)
        self.settings = settings
        self.runtime = runtime
        self.admin_secret = admin_secret

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        assert isinstance(host, str)  # getsockname() of an AF_INET socket
        return f"http://{host}:{port}"


class AsyncInvocationHandler(BaseHTTPRequestHandler):
    server: AsyncInvocationServer
    protocol_version = "HTTP/1.1"
    # The body follows the headers in a second send: with Nagle's algorithm it waits for the client's
    # delayed ACK, 40 ms on a kept-alive connection.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self._read_body()
        if self._refused():
            return
        path = self.path.split("?")[0]
        if path == FAULTS_PATH:
            self._set_faults(body)
            return
        match = INVOCATIONS.match(path)
        if not match:
            self._send_error(
                HTTPStatus.NOT_FOUND, "UnknownOperationException", f"no operation at {self.path}"
            )
            return
        try:
            request, ttl, timeout = self._accept(unquote(match.group(1)))
        except ValidationError as error:
            self._send_error(HTTPStatus.BAD_REQUEST, "ValidationError", str(error))
            return
        if self.server.runtime.faults.refuse_invocations:
            self.server.runtime.refuse()
            self._send_error(
                HTTPStatus.SERVICE_UNAVAILABLE, "ServiceUnavailable", "The service is unavailable. Try again."
            )
            return
        try:
            request = self.server.runtime.submit(request, ttl=ttl, timeout=timeout)
        except JournalUnavailable as error:
            self._send_error(HTTPStatus.INTERNAL_SERVER_ERROR, "InternalFailure", str(error))
            return
        headers = {f"{HEADER}OutputLocation": request.output_location}
        if request.failure_location:
            headers[f"{HEADER}FailureLocation"] = request.failure_location
        self._send_json(HTTPStatus.ACCEPTED, {"InferenceId": request.inference_id}, headers)

    def do_GET(self) -> None:  # noqa: N802
        if self._refused():
            return
        path = self.path.split("?")[0]
        if path == PING_PATH:
            healthy = self.server.runtime.healthy()
            self._send_json(HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE, {})
        elif path == STATUS_PATH:
            self._send_json(HTTPStatus.OK, self.server.runtime.status())
        elif path == FAULTS_PATH:
            self._send_json(HTTPStatus.OK, self.server.runtime.faults.to_dict())
        elif path == JOURNAL_PATH:
            self._send_json(HTTPStatus.OK, {"requests": self.server.runtime.journal.runs()})
        else:
            self._send_error(
                HTTPStatus.NOT_FOUND, "UnknownOperationException", f"no operation at {self.path}"
            )

    def do_OPTIONS(self) -> None:  # noqa: N802
        """A CORS preflight is never answered with an allow: refused like any unsigned request."""
        self._read_body()
        self._refused()

    def _refused(self) -> bool:
        """True, once answered, for what precis.local.gatekeeper refuses (unsigned, foreign, no secret)."""
        path, _, query = self.path.partition("?")
        request = Request(self.command, path, query, dict(self.headers.items()))
        refused = refusal(request, self.server.server_address[1], admin_secret=self.server.admin_secret)
        if refused is not None:
            self._send_error(HTTPStatus(refused.status), refused.code, refused.message)
        return refused is not None

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        """Quiet: one line per request would drown the stack's own output."""

    def _accept(self, endpoint_name: str) -> tuple[AsyncRequest, float, float]:
        settings = self.server.settings
        capacity = self.server.runtime.capacity
        if endpoint_name != settings.endpoint_name:
            raise ValidationError(f"Endpoint {endpoint_name} of account {settings.account_id} not found.")
        input_location = self._header("InputLocation")
        if input_location is None:
            raise ValidationError(
                "1 validation error detected: Value null at 'inputLocation' failed to satisfy constraint: "
                "Member must not be null"
            )
        if not INPUT_LOCATION.fullmatch(input_location) or _utf16_length(input_location) > 1024:
            raise ValidationError(
                f"1 validation error detected: Value '{input_location}' at 'inputLocation' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: ^(https|s3)://([^/]+)/?(.*)$"
            )
        inference_id = self._header("Inference-Id") or str(uuid.uuid4())
        if _utf16_length(inference_id) > 64 or not INFERENCE_ID.fullmatch(inference_id):
            raise ValidationError(
                "1 validation error detected: Value at 'inferenceId' failed to satisfy constraint: "
                "Member must have length less than or equal to 64 and be printable"
            )
        ttl = self._seconds("RequestTTLSeconds", 60, 21600, capacity.request_ttl)
        timeout = self._seconds("InvocationTimeoutSeconds", 1, 3600, capacity.invocation_timeout)
        extension, filename = self._header("S3OutputPathExtension"), self._header("Filename")
        # SageMaker takes a repeated InferenceId or any valid Filename: the object is written (again) there.
        _check_pattern("filename", filename, FILENAME, 32)
        _check_pattern("s3OutputPathExtension", extension, PATH_EXTENSION, 512)
        request = AsyncRequest(
            inference_id=inference_id,
            input_location=input_location,
            output_location=settings.output_location(inference_id, extension=extension, filename=filename),
            failure_location=settings.failure_location(inference_id, extension=extension),
            content_type=self._header("Content-Type"),
            accept=self._header("Accept"),
            custom_attributes=self._header("Custom-Attributes"),
            received_at=datetime.now(UTC),
        )
        return request, ttl, timeout

    def _seconds(self, name: str, low: int, high: int, default: float) -> float:
        raw = self._header(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError(
                f"Value '{raw}' at '{name[0].lower() + name[1:]}' is not an integer"
            ) from None
        if not low <= value <= high:
            raise ValidationError(
                f"1 validation error detected: Value '{value}' at '{name[0].lower() + name[1:]}' failed to "
                f"satisfy constraint: Member must have value between {low} and {high}"
            )
        return float(value)

    def _header(self, name: str) -> str | None:
        value = self.headers.get(f"{HEADER}{name}")
        if value is None or not value.strip():
            return None
        return _utf8(value.strip())

    def _set_faults(self, body: bytes) -> None:
        """POST /_precis/faults {"refuse_invocations": true, ...}: the faults after the change."""
        try:
            self.server.runtime.faults.update(json.loads(body or b"{}"))
        except (ValueError, FaultError) as error:
            self._send_error(HTTPStatus.BAD_REQUEST, "ValidationError", str(error))
            return
        self._send_json(HTTPStatus.OK, self.server.runtime.faults.to_dict())

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_error(self, status: HTTPStatus, error_type: str, message: str) -> None:
        self._send_json(status, {"message": message}, {"x-amzn-ErrorType": error_type})

    def _send_json(self, status: HTTPStatus, payload: dict, headers: dict | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _check_pattern(member: str, value: str | None, pattern: re.Pattern, longest: int) -> None:
    """ValidationError, in SageMaker's words, for an optional header outside its pattern or length."""
    if value is not None and (_utf16_length(value) > longest or not pattern.fullmatch(value)):
        raise ValidationError(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {pattern.pattern} and have length less than "
            f"or equal to {longest}"
        )


def _utf16_length(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def _utf8(value: str) -> str:
    """http.server decodes header bytes as latin-1; botocore sends non-ASCII values (S3 keys) as UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value

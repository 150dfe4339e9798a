"""Who may call the local stack: AWS clients only, as in AWS, and never a web page the user happens to visit.

A browser can send a request to 127.0.0.1 from any site (a form POST, a text/plain fetch), and a site
whose name it rebinds to 127.0.0.1 can even read the answers. AWS itself takes only signed requests, so
the stack's servers answer only:
- requests signed with AWS Signature Version 4: the `Authorization: AWS4-HMAC-SHA256 …` header or a
  presigned URL's `X-Amz-Algorithm=AWS4-HMAC-SHA256` (S3 takes no Signature Version 2 on buckets created
  since June 2020, and these are new). Any key is accepted (the signature is not checked, as LocalStack
  does). A page cannot send the header cross-origin without a CORS preflight, and no preflight is ever
  answered: an OPTIONS request is refused like any unsigned one. A page can put any query in a URL, so
  what a browser sends for a page is refused: a request with an `Origin` header, or with a
  `Sec-Fetch-Site` other than `none` (`none` is the user's own typing or bookmark);
- addressed to the stack's own host (127.0.0.1, localhost or [::1] on the server's port; S3's
  virtual-hosted `<bucket>.localhost`), so a rebound name cannot reach it;
- moto's `/moto-api` (reset, state, seeding) only when the server was started with `--moto-api`;
- the endpoint's admin API (`/_precis/…`: status, journal, faults) only with the secret the stack keeps
  in its state file, in the ADMIN_SECRET_HEADER header (the CLI and the tests read it there);
- a health check (GET /ping) unsigned, as a liveness probe sends it.
Everything refused gets a 403 in AWS's error shape. `Gatekeeper` wraps a WSGI app (moto's server);
`refusal` is the same decision for the endpoint's own HTTP server.
"""

from __future__ import annotations

import hmac
import json
import re
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

ADMIN_PREFIX = "/_precis/"
ADMIN_SECRET_HEADER = "X-Precis-Admin-Secret"
ADMIN_SECRET_VARIABLE = "PRECIS_ADMIN_SECRET"
"""The environment variable the stack passes the admin secret in to the endpoint it starts."""
MOTO_API_PREFIX = "/moto-api"
# Health checks carry no data and are never signed (SageMaker's platform pings a container's /ping).
OPEN_PATHS = frozenset({"/ping"})
SIGV4 = "AWS4-HMAC-SHA256"
_OWN_HOST = re.compile(r"^(?:(?:[a-z0-9.-]+\.)?localhost|127\.0\.0\.1|\[::1\]):(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    status: int = 403


@dataclass(frozen=True)
class Request:
    """What the decision reads of one HTTP request (header names in any case)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]

    def header(self, name: str) -> str:
        name = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == name), "")


def refusal(
    request: Request, port: int, *, moto_api: bool = False, admin_secret: str | None = None
) -> Refusal | None:
    """Why the server on `port` must not answer `request`, or None when it may."""
    host = request.header("Host")
    own = _OWN_HOST.match(host)
    if not own or int(own.group(1)) != port:
        return Refusal("AccessDenied", f"this local stack answers only on its own address, not Host {host!r}")
    if request.header("Origin") or request.header("Sec-Fetch-Site") not in ("", "none"):
        return Refusal("AccessDenied", "this local stack takes no requests from a web page")
    if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
        return None
    if request.path.startswith(MOTO_API_PREFIX):
        if not moto_api:
            return Refusal("AccessDenied", "moto's /moto-api is off; start moto's server with --moto-api")
        return None
    if request.path.startswith(ADMIN_PREFIX):
        given = request.header(ADMIN_SECRET_HEADER)
        if admin_secret and given and hmac.compare_digest(given.encode(), admin_secret.encode()):
            return None
        needed = f"the endpoint's admin API needs the {ADMIN_SECRET_HEADER} from the stack's state file"
        return Refusal("AccessDenied", needed)
    if not _signed(request):
        return Refusal(
            "MissingAuthenticationToken",
            "Request is missing Authentication Token: the local stack answers only requests signed with "
            "AWS Signature Version 4 (any key)",
        )
    return None


def error_body(request: Request, refused: Refusal) -> tuple[str, bytes]:
    """The content type and body AWS would answer in: JSON for JSON protocols, else S3/query XML."""
    if request.header("X-Amz-Target") or "json" in request.header("Content-Type"):
        body = {"__type": refused.code, "message": refused.message}
        return "application/x-amz-json-1.0", json.dumps(body).encode()
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{refused.code}</Code><Message>{_xml_text(refused.message)}</Message></Error>"
    )
    return "application/xml", xml.encode()


class Gatekeeper:
    """A WSGI app that passes to `app` only what `refusal` lets through."""

    def __init__(self, app: Callable, port: int, *, moto_api: bool = False) -> None:
        self._app = app
        self._port = port
        self._moto_api = moto_api

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        headers = {key[5:].replace("_", "-"): value for key, value in environ.items() if key[:5] == "HTTP_"}
        headers["Content-Type"] = environ.get("CONTENT_TYPE", "")
        request = Request(
            method=environ.get("REQUEST_METHOD", ""),
            path=environ.get("PATH_INFO", ""),
            query=environ.get("QUERY_STRING", ""),
            headers=headers,
        )
        refused = refusal(request, self._port, moto_api=self._moto_api)
        if refused is None:
            return self._app(environ, start_response)
        content_type, body = error_body(request, refused)
        start_response(
            f"{refused.status} Forbidden",
            [("Content-Type", content_type), ("Content-Length", str(len(body)))],
        )
        return [body]


def admin_call(
    runtime_url: str, path: str, secret: str | None, changes: dict | None = None, timeout: float = 5
) -> Any:
    """GET (or, with `changes`, POST) the local endpoint's admin API at /_precis/<path>: its JSON answer."""
    request = urllib.request.Request(
        f"{runtime_url}{ADMIN_PREFIX}{path}",
        data=None if changes is None else json.dumps(changes).encode(),
        method="GET" if changes is None else "POST",
        headers={ADMIN_SECRET_HEADER: secret or ""},
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read())


def _signed(request: Request) -> bool:
    if request.header("Authorization").startswith(f"{SIGV4} "):
        return True
    algorithm = parse_qs(request.query).get("X-Amz-Algorithm", [""])[0]
    return algorithm == SIGV4


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

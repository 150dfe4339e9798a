"""The reading room's guards, applied to every request: it answers only to its own address, changes
state only on a POST carrying this server's token from its own pages, and tells the browser to run
nothing but its own script.

- Host: a page a foreign site loads by pointing its own name at 127.0.0.1 (DNS rebinding) arrives with
  that name in Host; only `127.0.0.1:<port>` and `localhost:<port>` are served (421 otherwise).
- Cross-site requests: a POST needs the per-server token (made at start, in the page's meta tag and
  forms, compared in constant time) and, when the browser sends them, an Origin of this server and a
  Sec-Fetch-Site of same-origin (403 otherwise).
- Content-Security-Policy: scripts, styles and connections from this origin only; no inline script,
  no frames, forms post only here.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, abort, request

TOKEN_HEADER = "X-CSRF-Token"
TOKEN_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def own_hosts(port: int) -> frozenset[str]:
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})


def guard(app: Flask) -> None:
    """Installs the checks and the headers; the app's config holds PRECIS_PORT and PRECIS_TOKEN."""

    @app.before_request
    def check_request() -> None:
        port = app.config["PRECIS_PORT"]
        if request.host not in own_hosts(port):
            abort(421, "this server answers only to its own address")
        if request.method in SAFE_METHODS:
            return
        origin = request.headers.get("Origin")
        if origin is not None and origin not in {f"http://{host}" for host in own_hosts(port)}:
            abort(403, "cross-site request refused")
        if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
            abort(403, "cross-site request refused")
        sent = request.headers.get(TOKEN_HEADER) or request.form.get(TOKEN_FIELD) or ""
        if not hmac.compare_digest(sent.encode(), app.config["PRECIS_TOKEN"].encode()):
            abort(403, "missing or wrong page token: reload the page")

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

"""The reading room's pages: a Flask app rendering Jinja2 templates (autoescaped) from the package.

Paths: `/` collections, `/collections/<name>` a collection's documents (paged, live status),
`/documents/<id>` one document (retry, original), `/search?q=…`, `/trends?collection=…`. Uploads and
retries are POSTs guarded by precis.ui.security; the browser only ever talks to this server.
"""

from __future__ import annotations

from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask, Response, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from precis_core.services.submit import SubmitOutcome
from werkzeug.exceptions import HTTPException

from precis.analytics.periods import Grain, WhenError
from precis.cli.resources import TargetError
from precis.cli.selection import SelectionError
from precis.ui import charts
from precis.ui.analysis import Analysis, TrendChoice
from precis.ui.library import PAGE_SIZE, Library, LibraryError, checked_collection, checked_document_id
from precis.ui.security import TOKEN_FIELD, guard, new_token

# Multipart framing around one file: the body may exceed the file by this much.
_FORM_OVERHEAD = 64 * 1024
_STATUS_IDS = 200


def create_app(library: Library, analysis: Analysis, *, port: int = 0) -> Flask:
    """The app for one stack; `port` is the port it is served on (the Host check needs it)."""
    app = Flask(__name__)
    app.config.update(
        PRECIS_PORT=port,
        PRECIS_TOKEN=new_token(),
        MAX_CONTENT_LENGTH=library.max_input_bytes + _FORM_OVERHEAD,
        MAX_FORM_MEMORY_SIZE=library.max_input_bytes + _FORM_OVERHEAD,
    )
    app.jinja_env.autoescape = True
    app.jinja_env.filters["highlight"] = charts.highlight
    guard(app)

    @app.context_processor
    def page_context() -> dict:
        return {
            "csrf_token": app.config["PRECIS_TOKEN"],
            "csrf_field": TOKEN_FIELD,
            "max_bytes": library.max_input_bytes,
            "stack": library.resources.target.stack_name,
        }

    @app.get("/")
    def collections() -> ResponseReturnValue:
        opened = request.args.get("name", "").strip()
        if opened:  # the "open a collection" form without script
            return redirect(url_for("collection", name=checked_collection(opened)), 303)
        return render_template("collections.html", collections=library.collections())

    @app.get("/collections/<path:name>")
    def collection(name: str) -> str:
        page = library.documents(name, request.args.get("after"))
        return render_template(
            "collection.html", name=name, page=page, after=request.args.get("after"), size=PAGE_SIZE
        )

    @app.get("/collections/<path:name>/rows")
    def collection_rows(name: str) -> str:
        """The table body alone, for the page's live refresh while work is in flight."""
        return render_template("rows.html", page=library.documents(name, request.args.get("after")))

    @app.post("/collections/<path:name>/upload")
    def upload(name: str) -> ResponseReturnValue:
        files = request.files.getlist("file")
        if not files:
            raise LibraryError("no file in the request")
        uploaded = [library.upload(name, file.filename or "", file.read()) for file in files]
        if request.headers.get("Accept", "").startswith("application/json"):
            return jsonify([{"key": item.key, "document_ids": list(item.document_ids)} for item in uploaded])
        return redirect(url_for("collection", name=name), 303)

    @app.get("/api/status")
    def statuses() -> Response:
        ids = [i for i in request.args.get("ids", "").split(",") if i][:_STATUS_IDS]
        return jsonify(library.statuses(ids))

    @app.get("/documents/<document_id>")
    def document(document_id: str) -> str:
        view = library.document(document_id)
        if view is None:
            abort(404, f"no document {document_id}")
        return render_template("document.html", view=view, retried=request.args.get("retried"))

    @app.post("/documents/<document_id>/retry")
    def retry(document_id: str) -> ResponseReturnValue:
        result = library.retry(document_id)
        if result.outcome is SubmitOutcome.QUEUED:
            return redirect(url_for("document", document_id=document_id, retried="queued"), 303)
        view = library.document(document_id)
        return render_template("document.html", view=view, result=result), 409

    @app.get("/documents/<document_id>/original")
    def original(document_id: str) -> Response:
        """The uploaded file, as a download in plain text: an HTML original never runs in this origin."""
        found = library.original(checked_document_id(document_id))
        if found is None:
            abort(404, f"no document {document_id}")
        response = Response(found.body, mimetype="text/plain")
        response.headers["Content-Disposition"] = _attachment(found.name)
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response

    @app.get("/search")
    def search_page() -> str:
        query = request.args.get("q", "").strip()
        collection = request.args.get("collection", "").strip()
        hits = analysis.search(query, collection or None) if query else []
        words = charts.query_words(query)
        return render_template("search.html", query=query, collection=collection, hits=hits, words=words)

    @app.get("/trends")
    def trends_page() -> str:
        choice = TrendChoice(
            collection=request.args.get("collection", "").strip() or None,
            by=_grain(request.args.get("by", "week")),
            since=request.args.get("since", "").strip() or None,
            digest=request.args.get("digest", "7d").strip() or "7d",
        )
        found = analysis.trends(choice)
        digest = analysis.digest(choice.collection, choice.digest) if choice.collection else None
        return render_template(
            "trends.html",
            choice=choice,
            grains=[grain.value for grain in Grain],
            found=found,
            periods=charts.period_bars(found),
            rising=charts.rising_rows(found),
            digest=digest,
            now=datetime.now(UTC),
        )

    @app.errorhandler(LibraryError)
    @app.errorhandler(SelectionError)
    @app.errorhandler(WhenError)
    def refused(error: Exception) -> tuple[str, int]:
        return _error_page(400, str(error))

    @app.errorhandler(TargetError)
    def not_there(error: TargetError) -> tuple[str, int]:
        return _error_page(
            503, f"{error} (search and trends read the analytics copy of the current template)"
        )

    @app.errorhandler(ClientError)
    def stack_refused(error: ClientError) -> tuple[str, int]:
        detail = error.response.get("Error", {})
        return _error_page(502, f"the stack refused {error.operation_name}: {detail.get('Code', '')}")

    @app.errorhandler(BotoCoreError)
    def unreachable(error: BotoCoreError) -> tuple[str, int]:
        return _error_page(502, f"cannot reach the stack: {error}")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        if error.code == 413:
            return _error_page(
                413, f"too large: this stack takes files up to {library.max_input_bytes:,} bytes"
            )
        return _error_page(error.code or 500, error.description or error.name)

    return app


def _error_page(code: int, message: str) -> tuple[str, int]:
    if request.headers.get("Accept", "").startswith("application/json"):
        return jsonify({"error": message}), code  # type: ignore[return-value]
    return render_template("error.html", code=code, message=message), code


def _grain(text: str) -> Grain:
    try:
        return Grain(text)
    except ValueError:
        raise LibraryError(f"by {text!r}: choose day, week or month") from None


def _attachment(name: str) -> str:
    ascii_name = "".join(ch if ch.isascii() and ch.isalnum() or ch in "._-" else "_" for ch in name)
    return f'attachment; filename="{ascii_name or "original"}.txt"'

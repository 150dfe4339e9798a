"""The reading room served on 127.0.0.1: Werkzeug's threaded server (Flask's own) on one port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, make_server

from precis.cli.resources import StackResources
from precis.ui.analysis import Analysis
from precis.ui.app import create_app
from precis.ui.library import Library

HOST = "127.0.0.1"


def reading_room(resources: StackResources, port: int = 0, state: Path | None = None) -> BaseWSGIServer:
    """A server for the stack's reading room on 127.0.0.1:`port` (0: a free port), not yet serving.
    `state`: where search keeps its cache and index (default: the project's .precis/, as the CLI)."""
    library = Library(resources)
    app = create_app(library, Analysis(resources, library, state))
    server = make_server(HOST, port, app, threaded=True)
    app.config["PRECIS_PORT"] = server.server_port
    return server


def address(server: BaseWSGIServer) -> str:
    return f"http://{HOST}:{server.server_port}/"


@contextmanager
def serving(resources: StackResources, state: Path | None = None) -> Iterator[str]:
    """The reading room on a free port in a background thread, for tests, screenshots and benches."""
    server = reading_room(resources, 0, state)
    thread = threading.Thread(target=server.serve_forever, name="precis-ui", daemon=True)
    thread.start()
    try:
        yield address(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

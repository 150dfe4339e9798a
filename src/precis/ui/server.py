"""The reading room served on 127.0.0.1: Werkzeug's threaded server (Flask's own) on one port."""

from __future__ import annotations

from werkzeug.serving import BaseWSGIServer, make_server

from precis.cli.resources import StackResources
from precis.ui.analysis import Analysis
from precis.ui.app import create_app
from precis.ui.library import Library

HOST = "127.0.0.1"


def reading_room(resources: StackResources, port: int = 0) -> BaseWSGIServer:
    """A server for the stack's reading room on 127.0.0.1:`port` (0: a free port), not yet serving."""
    library = Library(resources)
    app = create_app(library, Analysis(resources, library))
    server = make_server(HOST, port, app, threaded=True)
    app.config["PRECIS_PORT"] = server.server_port
    return server


def address(server: BaseWSGIServer) -> str:
    return f"http://{HOST}:{server.server_port}/"

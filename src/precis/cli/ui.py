"""`precis ui`: the reading room, a web page on 127.0.0.1 over the chosen stack (precis.ui)."""

from __future__ import annotations

from typing import Annotated

import typer

from precis.cli.console import console, explained_errors
from precis.cli.option_groups import with_option_groups
from precis.cli.stack_options import TARGET_HELP, Target
from precis.ui.server import address, reading_room


@with_option_groups
def ui(
    target: Target,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free one).")
    ] = 8765,
) -> None:
    """Serve the reading room: collections, documents, uploads, search and trends in the browser."""
    with explained_errors():
        resources = target.open()
    server = reading_room(resources, port)  # a taken port: Werkzeug says so and exits 1
    console.print(f"reading room: {address(server)}  (Ctrl-C to stop)", highlight=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def register(app: typer.Typer) -> None:
    """Adds this module's command to the app."""
    app.command("ui", epilog=TARGET_HELP)(ui)

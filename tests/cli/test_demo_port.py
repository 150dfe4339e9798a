"""`precis local demo --port P` never moves to another port silently; without --port a busy 4566 moves
the demo to a free pair, saying which."""

from __future__ import annotations

import contextlib
import socket

import pytest
from rich.console import Console

from precis.cli.demo import DEFAULT_PORT, demo_port
from precis.local.errors import StackError
from precis.local.ports import free_port_pair


def test_a_busy_port_asked_for_is_an_error_not_another_port():
    port = free_port_pair(0)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        with pytest.raises(StackError, match=f"port {port} or {port + 1} is in use"):
            demo_port(Console(record=True), port)


def test_without_a_port_a_busy_default_moves_and_says_where():
    console = Console(record=True, width=200)
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(OSError):  # already busy: the same case
            busy.bind(("127.0.0.1", DEFAULT_PORT))
        busy.listen()
        port = demo_port(console, None)
    assert port != DEFAULT_PORT
    assert (
        f"port {DEFAULT_PORT} or {DEFAULT_PORT + 1} is in use: the demo runs on {port}"
        in console.export_text()
    )

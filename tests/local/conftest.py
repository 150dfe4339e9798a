"""moto's server as the stack runs it (`python -m precis.local.moto_server`), for the tests that talk to
it over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from precis.local.ports import free_port_pair

MotoServerProcess = Callable[..., AbstractContextManager[tuple[str, subprocess.Popen]]]


@contextmanager
def _moto_server(log: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """The server on a free port with `options`, its output appended to `log`, until it listens; its URL
    and process. Stopped afterwards if still running."""
    port = free_port_pair()
    with log.open("ab") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "precis.local.moto_server", "-H", "127.0.0.1", "-p", str(port), *options],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def moto_server_process() -> MotoServerProcess:
    """`with moto_server_process(log, *options) as (url, process):` moto's server while the block runs."""
    return _moto_server

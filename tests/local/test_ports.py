"""The stack's port probe: a port is free when its servers (SO_REUSEADDR) could bind it."""

from __future__ import annotations

import socket

import pytest

from precis.local.errors import StackError
from precis.local.ports import free_port_pair, is_free, listening_range


def _listener() -> socket.socket:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the stack's servers bind
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


def test_a_port_another_server_listens_on_is_not_free() -> None:
    # Given a server listening on a port
    with _listener() as server:
        port = server.getsockname()[1]
        # When the stack asks for that port, Then it is refused with a clear error
        assert not is_free(port)
        with pytest.raises(StackError, match=f"port {port} or {port + 1} is in use"):
            free_port_pair(port)


def test_a_port_whose_server_just_closed_its_connections_is_free() -> None:
    # Given a server that served a connection, closed it first (TIME_WAIT on its port) and stopped
    server = _listener()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()
    client.recv(1)
    client.close()
    server.close()
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))  # a probe without the servers' option would call it in use
    # When the stack probes the port, Then it is free, and a server binds it at once
    assert is_free(port)
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_a_stack_given_no_port_takes_a_free_pair_below_the_ephemeral_range() -> None:
    # Given the kernel's range for outgoing connections' ports
    low, high = listening_range()
    with open("/proc/sys/net/ipv4/ip_local_port_range") as configured:
        first_ephemeral = int(configured.read().split()[0])
    assert high <= first_ephemeral

    # When stacks ask for ports with none given, Then each pair is free and outside that range
    for _ in range(20):
        port = free_port_pair()
        assert low <= port and port + 1 < first_ephemeral
        assert is_free(port) and is_free(port + 1)

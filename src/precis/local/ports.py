"""The local stack's two ports on 127.0.0.1: moto's server on P, the local endpoint on P+1.

A port counts as free when a server of the stack could bind it. The servers set SO_REUSEADDR (as
socketserver's `allow_reuse_address` does), so a port whose last connections are still in TIME_WAIT
after a stack stopped is free for them; the probe binds with the same option, so `precis local down &&
precis local up` on the same port works at once, even right after heavy traffic. A port another
process listens on is refused either way.
"""

from __future__ import annotations

import socket

from precis.local.errors import StackError


def free_port_pair(preferred: int = 0) -> int:
    """A port P such that P and P+1 are both free on 127.0.0.1 (moto on P, the endpoint on P+1)."""
    if preferred:
        if not (is_free(preferred) and is_free(preferred + 1)):
            raise StackError(f"port {preferred} or {preferred + 1} is in use on 127.0.0.1 (try --port)")
        return preferred
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65535 and is_free(port + 1):
            return port
    raise StackError("no two consecutive free ports on 127.0.0.1")


def is_free(port: int) -> bool:
    """Whether a server of the stack could bind `port` on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True

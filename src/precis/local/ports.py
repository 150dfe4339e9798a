"""The local stack's two ports on 127.0.0.1: moto's server on P, the local endpoint on P+1.

A port counts as free when a server of the stack could bind it. The servers set SO_REUSEADDR (as
socketserver's `allow_reuse_address` does), so a port whose last connections are still in TIME_WAIT
after a stack stopped is free for them; the probe binds with the same option, so `precis local down &&
precis local up` on the same port works at once, even right after heavy traffic. A port another
process listens on is refused either way.

A stack given no port takes one below the kernel's ephemeral range: a port from inside it could be
taken by any outgoing connection (the stack's own clients, a test's, another stack's) between the
probe and the bind, or between a `down` and the next `up`.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

from precis.local.errors import StackError


def free_port_pair(preferred: int = 0) -> int:
    """A port P such that P and P+1 are both free on 127.0.0.1 (moto on P, the endpoint on P+1)."""
    if preferred:
        if not (is_free(preferred) and is_free(preferred + 1)):
            raise StackError(f"port {preferred} or {preferred + 1} is in use on 127.0.0.1 (try --port)")
        return preferred
    low, high = listening_range()
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(low, high - 1)
        if is_free(port) and is_free(port + 1):
            return port
    raise StackError(f"no two consecutive free ports in {low}-{high} on 127.0.0.1 (try --port)")


EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def listening_range() -> tuple[int, int]:
    """Where a stack's ports come from: 20000 up to the start of the ephemeral range (Linux's default
    32768; IANA's 49152 elsewhere), never the registered ports below 20000 that other servers favour."""
    try:
        first_ephemeral = int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        first_ephemeral = 49152
    return 20000, max(first_ephemeral, 20100)


def is_free(port: int) -> bool:
    """Whether a server of the stack could bind `port` on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True

"""The one error the local stack raises on purpose."""

from __future__ import annotations


class StackError(RuntimeError):
    """The local stack could not start (a port in use, a process that died, a template it cannot serve)."""

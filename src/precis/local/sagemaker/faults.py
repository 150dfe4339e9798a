"""Faults the local endpoint can be told to have, through `/_precis/faults` next to `/_precis/status`.

They are real behaviour, not simulated outcomes: a refusing endpoint answers InvokeEndpointAsync with
ServiceUnavailable (503), as an endpoint in an outage or a throttled account does; dropped notifications
are published nowhere while the objects are still written, as a lost SNS delivery leaves them. A full
journal makes every write to the endpoint's journal fail as SQLite fails on a full disk. Faults
live in the endpoint's memory: a restarted endpoint has none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


class FaultError(ValueError):
    """A fault switch that does not exist or a value that is not true/false."""


@dataclass
class Faults:
    refuse_invocations: bool = False
    drop_notifications: bool = False
    journal_full: bool = False

    def update(self, changes: object) -> None:
        """Sets the switches named in `changes` (a JSON object of booleans); FaultError for anything else."""
        if not isinstance(changes, dict):
            raise FaultError('send a JSON object such as {"refuse_invocations": true}')
        known = {field.name for field in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise FaultError(f"unknown fault {unknown[0]!r}; known: {', '.join(sorted(known))}")
        for name, value in changes.items():
            if not isinstance(value, bool):
                raise FaultError(f"{name} must be true or false, not {value!r}")
        for name, value in changes.items():
            setattr(self, name, value)

    def to_dict(self) -> dict[str, bool]:
        return asdict(self)

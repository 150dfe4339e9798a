"""Each instance's one GPU, shared equally by the invocations it runs at a time (processor sharing).

Two model-server workers on one GPU summarized no more papers per minute than one, so concurrency on an
instance divides its GPU instead of multiplying it: with k invocations in flight each advances at 1/k of
its dedicated speed. An invocation still running at its InvocationTimeoutSeconds fails and frees its share.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

from precis.scaling import Instance, QueuedRequest

_EPSILON = 1e-9


@dataclass
class _Gpu:
    """Virtual time: the work each of its invocations has received since the GPU was first used."""

    virtual: float = 0.0
    updated_at: float = 0.0
    version: int = 0
    finishes: dict[QueuedRequest, float] = field(default_factory=dict)
    deadlines: dict[QueuedRequest, float] = field(default_factory=dict)

    def advance(self, now: float) -> None:
        if self.finishes:
            self.virtual += (now - self.updated_at) / len(self.finishes)
        self.updated_at = now

    def next_event_at(self) -> float | None:
        if not self.finishes:
            return None
        done = self.updated_at + (min(self.finishes.values()) - self.virtual) * len(self.finishes)
        return min(done, min(self.deadlines.values()))


class SharedGpus:
    def __init__(self) -> None:
        self._gpus: dict[Instance, _Gpu] = {}
        self._events: list[tuple[float, int, Instance, int]] = []
        self._order = itertools.count()

    def start(self, invocation: QueuedRequest, work: float, now: float) -> None:
        """Runs `work` seconds of dedicated GPU time for the invocation on its instance from `now`."""
        instance = invocation.instance
        assert instance is not None  # the fleet starts an invocation on an instance
        gpu = self._gpus.setdefault(instance, _Gpu(updated_at=now))
        gpu.advance(now)
        gpu.finishes[invocation] = gpu.virtual + work
        gpu.deadlines[invocation] = now + invocation.timeout
        self._schedule(instance, gpu)

    def next_event_at(self) -> float | None:
        """When the next invocation completes or times out."""
        while self._events and self._stale(self._events[0]):
            heapq.heappop(self._events)
        return self._events[0][0] if self._events else None

    def due(self, now: float) -> list[tuple[QueuedRequest, bool]]:
        """The invocations that ended by `now`: (invocation, completed) with completed False on timeout."""
        ended: list[tuple[QueuedRequest, bool]] = []
        while self._events and self._events[0][0] <= now:
            event = heapq.heappop(self._events)
            if self._stale(event):
                continue
            _, _, instance, _ = event
            gpu = self._gpus[instance]
            gpu.advance(event[0])
            for invocation, finish in list(gpu.finishes.items()):
                completed = finish <= gpu.virtual + _EPSILON
                if completed or gpu.deadlines[invocation] <= event[0] + _EPSILON:
                    del gpu.finishes[invocation], gpu.deadlines[invocation]
                    ended.append((invocation, completed))
            self._schedule(instance, gpu)
        return ended

    def _schedule(self, instance: Instance, gpu: _Gpu) -> None:
        gpu.version += 1
        at = gpu.next_event_at()
        if at is not None:
            heapq.heappush(self._events, (at, next(self._order), instance, gpu.version))

    def _stale(self, event: tuple[float, int, Instance, int]) -> bool:
        return self._gpus[event[2]].version != event[3]

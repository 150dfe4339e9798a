"""The asynchronous endpoint's queue and instances, driven by whichever clock calls it.

Requests wait in one FIFO queue; each in-service instance runs up to MaxConcurrentInvocationsPerInstance
of them. A request still queued after its RequestTTLSeconds expires. New instances serve only after the
start delay; scale-in removes starting instances first, then idle ones, and lets busy ones finish their
in-flight work before they stop. The caller runs the invocations and reports each end with `finish`.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from precis.scaling.metrics import MinuteMetrics
from precis.scaling.policy import EndpointCapacity


class InstanceState(StrEnum):
    PENDING = "Pending"
    IN_SERVICE = "InService"
    DRAINING = "Draining"
    TERMINATED = "Terminated"


class Outcome(StrEnum):
    COMPLETED = "Completed"
    FAILED = "Failed"
    EXPIRED = "Expired"


@dataclass(eq=False)
class Instance:
    instance_id: int
    launched_at: float
    ready_at: float
    slots: int
    state: InstanceState = InstanceState.PENDING
    in_flight: int = 0
    terminated_at: float | None = None

    @property
    def free_slots(self) -> int:
        return self.slots - self.in_flight if self.state is InstanceState.IN_SERVICE else 0

    def billed_seconds(self, now: float) -> float:
        end = self.terminated_at if self.terminated_at is not None else now
        return max(0.0, end - self.launched_at)


@dataclass(eq=False)
class QueuedRequest:
    inference_id: str
    arrived_at: float
    ttl: float
    timeout: float
    payload: Any = None
    started_at: float | None = None
    finished_at: float | None = None
    instance: Instance | None = None
    outcome: Outcome | None = None

    @property
    def expires_at(self) -> float:
        return self.arrived_at + self.ttl


@dataclass
class Progress:
    """What `advance` changed: invocations to start now, requests that expired, instances now in service."""

    started: list[QueuedRequest] = field(default_factory=list)
    expired: list[QueuedRequest] = field(default_factory=list)
    ready: list[Instance] = field(default_factory=list)


class AsyncEndpoint:
    def __init__(self, capacity: EndpointCapacity, *, initial_instances: int = 0, now: float = 0.0) -> None:
        self.capacity = capacity
        self.instances: list[Instance] = []
        self._pending: list[Instance] = []
        # In-service instances by load, least loaded first; entries go stale when load or state change.
        self._by_load: list[tuple[int, int, Instance]] = []
        self._ids = itertools.count(1)
        self._queue: deque[QueuedRequest] = deque()
        self._expiries: list[tuple[float, int, QueuedRequest]] = []
        self._queued = 0
        self._in_flight = 0
        self._minute = _MinuteTotals()
        for _ in range(initial_instances):
            instance = self._launch(now)
            instance.ready_at = now
        self.advance(now)

    @property
    def queued(self) -> int:
        return self._queued

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def backlog(self) -> int:
        return self._queued + self._in_flight

    @property
    def desired(self) -> int:
        return sum(1 for i in self.instances if i.state in (InstanceState.PENDING, InstanceState.IN_SERVICE))

    @property
    def in_service(self) -> int:
        return sum(1 for i in self.instances if i.state in (InstanceState.IN_SERVICE, InstanceState.DRAINING))

    @property
    def updating(self) -> bool:
        return bool(self._pending)

    def submit(self, invocation: QueuedRequest) -> None:
        self._queue.append(invocation)
        self._queued += 1
        heapq.heappush(self._expiries, (invocation.expires_at, id(invocation), invocation))

    def scale_to(self, desired: int, now: float) -> None:
        current = self.desired
        for _ in range(desired - current):
            self._launch(now)
        for _ in range(current - desired):
            self._remove_one(now)

    def advance(self, now: float) -> Progress:
        progress = Progress()
        for instance in [i for i in self._pending if i.ready_at <= now]:
            self._pending.remove(instance)
            instance.state = InstanceState.IN_SERVICE
            self._track_load(instance)
            progress.ready.append(instance)
        while self._expiries and self._expiries[0][0] <= now:
            _, _, invocation = heapq.heappop(self._expiries)
            if invocation.started_at is None and invocation.outcome is None:
                invocation.outcome = Outcome.EXPIRED
                invocation.finished_at = now
                self._queued -= 1
                progress.expired.append(invocation)
        self._dispatch(now, progress)
        return progress

    def finish(self, invocation: QueuedRequest, now: float, *, ok: bool) -> None:
        """Frees the invocation's slot; a draining instance stops once its last invocation ends."""
        instance = invocation.instance
        assert instance is not None and invocation.started_at is not None  # only a started one finishes
        instance.in_flight -= 1
        self._track_load(instance)
        self._in_flight -= 1
        invocation.finished_at = now
        if invocation.outcome is None:
            invocation.outcome = Outcome.COMPLETED if ok else Outcome.FAILED
        totals = self._minute
        if invocation.outcome is Outcome.COMPLETED:
            totals.processed += 1
        else:
            totals.failures += 1
        totals.processing_time += now - invocation.started_at
        totals.time_in_backlog += invocation.started_at - invocation.arrived_at
        if instance.state is InstanceState.DRAINING and instance.in_flight == 0:
            self._terminate(instance, now)

    def next_change_at(self) -> float | None:
        """The next time `advance` would change something on its own: an instance ready or a TTL expiry."""
        times = [i.ready_at for i in self._pending]
        while self._expiries and self._expiries[0][2].started_at is not None:
            heapq.heappop(self._expiries)
        if self._expiries:
            times.append(self._expiries[0][0])
        return min(times) if times else None

    def close_minute(self, now: float) -> MinuteMetrics:
        """The minute's datapoints: backlog sampled now, counters summed since the previous minute."""
        totals, self._minute = self._minute, _MinuteTotals()
        oldest = self._oldest_queued()
        return MinuteMetrics(
            minute_end=now,
            backlog=self.backlog,
            instances=self.in_service,
            age_of_oldest_request=now - oldest.arrived_at if oldest else 0.0,
            processed=totals.processed,
            failures=totals.failures,
            total_processing_time=totals.processing_time,
            total_time_in_backlog=totals.time_in_backlog,
        )

    def instance_seconds(self, now: float) -> float:
        return sum(instance.billed_seconds(now) for instance in self.instances)

    def _launch(self, now: float) -> Instance:
        instance = Instance(
            instance_id=next(self._ids),
            launched_at=now,
            ready_at=now + self.capacity.instance_start_delay,
            slots=self.capacity.max_concurrent_invocations,
        )
        self.instances.append(instance)
        self._pending.append(instance)
        return instance

    def _remove_one(self, now: float) -> None:
        live = [i for i in self.instances if i.state in (InstanceState.PENDING, InstanceState.IN_SERVICE)]
        pending = [i for i in live if i.state is InstanceState.PENDING]
        idle = [i for i in live if i.state is InstanceState.IN_SERVICE and i.in_flight == 0]
        if pending:
            self._terminate(pending[-1], now)
        elif idle:
            self._terminate(idle[-1], now)
        elif live:
            min(live, key=lambda i: i.in_flight).state = InstanceState.DRAINING

    def _terminate(self, instance: Instance, now: float) -> None:
        if instance.state is InstanceState.PENDING:
            self._pending.remove(instance)
        instance.state = InstanceState.TERMINATED
        instance.terminated_at = now

    def _track_load(self, instance: Instance) -> None:
        if instance.state is InstanceState.IN_SERVICE:
            heapq.heappush(self._by_load, (instance.in_flight, instance.instance_id, instance))

    def _oldest_queued(self) -> QueuedRequest | None:
        while self._queue and self._queue[0].outcome is not None:
            self._queue.popleft()
        return self._queue[0] if self._queue else None

    def _dispatch(self, now: float, progress: Progress) -> None:
        """Oldest request first, each to the least loaded in-service instance (all have the same slots)."""
        while self._queued and self._by_load:
            load, _, instance = self._by_load[0]
            if instance.state is not InstanceState.IN_SERVICE or load != instance.in_flight:
                heapq.heappop(self._by_load)
                continue
            if instance.free_slots == 0:
                return
            heapq.heappop(self._by_load)
            invocation = self._oldest_queued()
            assert invocation is not None  # self._queued counts the live requests in the queue
            self._queue.popleft()
            self._queued -= 1
            self._in_flight += 1
            instance.in_flight += 1
            self._track_load(instance)
            invocation.instance = instance
            invocation.started_at = now
            progress.started.append(invocation)


@dataclass
class _MinuteTotals:
    processed: int = 0
    failures: int = 0
    processing_time: float = 0.0
    time_in_backlog: float = 0.0

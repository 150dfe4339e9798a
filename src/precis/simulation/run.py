"""The discrete-event loop: the scaling model on a virtual clock, one step per event or minute.

Each request's processing time is the seconds it needs on a dedicated GPU; an instance's concurrent
invocations share its GPU (precis.simulation.sharing).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field, replace

import numpy as np

from precis.scaling import AsyncEndpoint, Autoscaler, EndpointCapacity, Outcome, QueuedRequest, ScalingPolicy
from precis.scaling.autoscaler import ScalingActivity
from precis.simulation.sharing import SharedGpus
from precis.simulation.workload import Workload

MINUTE = 60.0


@dataclass(frozen=True)
class TimelinePoint:
    """The state at the end of one simulated minute, after that minute's scaling activity."""

    minute_end: float
    backlog: int
    instances_in_service: int
    desired: int
    completions: int


@dataclass(frozen=True)
class GiveUp:
    """A run may stop as soon as `quantile` of its requests can no longer be summarized in `seconds`."""

    seconds: float
    quantile: float = 0.95


@dataclass
class SimulationResult:
    policy: str
    workload: str
    requests: int
    completed: int
    failed: int
    expired: int
    instance_seconds: float
    price_per_hour: float
    end_time: float
    peak_backlog: int
    time_to_summary: np.ndarray
    timeline: list[TimelinePoint] = field(default_factory=list)
    activities: list[ScalingActivity] = field(default_factory=list)

    final_instances: int = 0
    gave_up: bool = False  # stopped early: its GiveUp goal was out of reach

    def billed_until(self, window_end: float) -> SimulationResult:
        """The same run billed to `window_end`: the instances still up at its end keep running."""
        extra = max(0.0, window_end - self.end_time) * self.final_instances
        return replace(
            self, instance_seconds=self.instance_seconds + extra, end_time=max(self.end_time, window_end)
        )

    @property
    def instance_hours(self) -> float:
        return self.instance_seconds / 3600

    @property
    def cost(self) -> float:
        return self.instance_hours * self.price_per_hour

    def percentile(self, q: float) -> float | None:
        if not len(self.time_to_summary):
            return None
        return float(np.percentile(self.time_to_summary, q))

    def summary(self) -> dict:
        served = self.time_to_summary
        return {
            "policy": self.policy,
            "workload": self.workload,
            "requests": self.requests,
            "completed": self.completed,
            "failed": self.failed,
            "expired": self.expired,
            "instance_hours": round(self.instance_hours, 3),
            "cost_usd": round(self.cost, 2),
            "price_per_hour_usd": self.price_per_hour,
            "time_to_summary_s": {
                "p50": _rounded(self.percentile(50)),
                "p95": _rounded(self.percentile(95)),
                "p99": _rounded(self.percentile(99)),
                "max": _rounded(float(served.max()) if len(served) else None),
            },
            "peak_backlog": self.peak_backlog,
            "simulated_seconds": round(self.end_time, 1),
            "gave_up": self.gave_up,
            "scaling_activities": [
                {"at_s": a.at, "from": a.from_capacity, "to": a.to_capacity, "cause": a.cause}
                for a in self.activities
            ],
        }


def simulate(
    workload: Workload,
    policy: ScalingPolicy,
    capacity: EndpointCapacity,
    *,
    price_per_hour: float = 0.0,
    hold_while_updating: bool = True,
    give_up: GiveUp | None = None,
) -> SimulationResult:
    """Runs until every request is resolved and the endpoint is back at MinCapacity (or a day past TTL).

    With `give_up`, it stops at the first minute that goal is out of reach (`gave_up` in the result).
    """
    endpoint = AsyncEndpoint(capacity, initial_instances=policy.min_capacity)
    scaler = Autoscaler(policy, hold_while_updating=hold_while_updating)
    arrivals, durations = workload.arrivals.tolist(), workload.processing_times.tolist()
    count = len(arrivals)
    watch = _LateWatch(arrivals, give_up) if give_up else None
    gave_up = False
    horizon = (arrivals[-1] if count else 0.0) + capacity.request_ttl + 86400.0
    invocations: list[QueuedRequest] = []
    gpus = SharedGpus()
    timeline: list[TimelinePoint] = []
    next_arrival, next_minute, peak, completions = 0, MINUTE, 0, 0
    now = 0.0
    while now <= horizon:
        upcoming = endpoint.next_change_at()
        ending = gpus.next_event_at()
        now = min(
            arrivals[next_arrival] if next_arrival < count else math.inf,
            ending if ending is not None else math.inf,
            upcoming if upcoming is not None else math.inf,
            next_minute,
        )
        for invocation, ok in gpus.due(now):
            endpoint.finish(invocation, now, ok=ok)
            completions += ok
            if ok and watch:
                watch.completed(invocation.payload, now - invocation.arrived_at)
        while next_arrival < count and arrivals[next_arrival] <= now:
            invocation = QueuedRequest(
                str(next_arrival),
                arrivals[next_arrival],
                capacity.request_ttl,
                capacity.invocation_timeout,
                payload=next_arrival,
            )
            invocations.append(invocation)
            endpoint.submit(invocation)
            next_arrival += 1
        peak = max(peak, endpoint.backlog)
        if now >= next_minute:
            metrics = endpoint.close_minute(now)
            activity = scaler.evaluate(metrics, desired=endpoint.desired, updating=endpoint.updating)
            if activity:
                endpoint.scale_to(activity.to_capacity, now)
            timeline.append(
                TimelinePoint(now, metrics.backlog, endpoint.in_service, endpoint.desired, completions)
            )
            completions = 0
            next_minute += MINUTE
            settled = endpoint.desired == policy.min_capacity and not endpoint.updating
            if next_arrival == count and endpoint.backlog == 0 and settled:
                break
            if watch and watch.hopeless(now):
                gave_up = True
                break
        for invocation in endpoint.advance(now).started:
            gpus.start(invocation, durations[invocation.payload], now)
    result = _result(workload, policy, invocations, endpoint, scaler, timeline, now, peak, price_per_hour)
    result.gave_up = gave_up
    return result


class _LateWatch:
    """Counts the requests that can no longer meet the goal: arrived more than its seconds ago and not
    completed within them (a Fenwick tree over arrival order counts the ones that were)."""

    def __init__(self, arrivals: list[float], goal: GiveUp) -> None:
        self._arrivals = arrivals
        self._goal = goal
        self._tree = [0] * (len(arrivals) + 1)
        # The goal is missed once the request at the quantile's sorted position is late.
        self._too_many = len(arrivals) - math.floor(goal.quantile * (len(arrivals) - 1))

    def completed(self, index: int, seconds: float) -> None:
        if seconds <= self._goal.seconds:
            position = index + 1
            while position < len(self._tree):
                self._tree[position] += 1
                position += position & -position

    def hopeless(self, now: float) -> bool:
        due = bisect.bisect_right(self._arrivals, now - self._goal.seconds)
        within, position = 0, due
        while position:
            within += self._tree[position]
            position -= position & -position
        return due - within >= self._too_many


def _result(workload, policy, invocations, endpoint, scaler, timeline, now, peak, price) -> SimulationResult:
    outcomes = [i.outcome for i in invocations]
    served = np.array([i.finished_at - i.arrived_at for i in invocations if i.outcome is Outcome.COMPLETED])
    return SimulationResult(
        policy=policy.name,
        workload=workload.name,
        requests=len(workload.arrivals),
        completed=outcomes.count(Outcome.COMPLETED),
        failed=outcomes.count(Outcome.FAILED),
        expired=outcomes.count(Outcome.EXPIRED),
        instance_seconds=endpoint.instance_seconds(now),
        price_per_hour=price,
        end_time=now,
        peak_backlog=peak,
        time_to_summary=served,
        timeline=timeline,
        activities=list(scaler.activities),
        final_instances=endpoint.desired,
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)

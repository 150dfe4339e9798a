"""The discrete-event loop: the scaling model on a virtual clock, one step per event or minute."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace

import numpy as np

from precis.scaling import AsyncEndpoint, Autoscaler, EndpointCapacity, Outcome, QueuedRequest, ScalingPolicy
from precis.scaling.autoscaler import ScalingActivity
from precis.simulation.workload import Workload

MINUTE = 60.0


@dataclass(frozen=True)
class TimelinePoint:
    """The state at the end of one simulated minute (what CloudWatch graphs would show)."""

    minute_end: float
    backlog: int
    instances_in_service: int
    desired: int
    completions: int


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
) -> SimulationResult:
    """Runs until every request is resolved and the endpoint is back at MinCapacity (or a day past TTL)."""
    endpoint = AsyncEndpoint(capacity, initial_instances=policy.min_capacity)
    scaler = Autoscaler(policy, hold_while_updating=hold_while_updating)
    arrivals, durations = workload.arrivals, workload.processing_times
    count = len(arrivals)
    horizon = (float(arrivals[-1]) if count else 0.0) + capacity.request_ttl + 86400.0
    invocations: list[QueuedRequest] = []
    running: list[tuple[float, int, QueuedRequest, bool]] = []
    timeline: list[TimelinePoint] = []
    next_arrival, next_minute, peak, completions = 0, MINUTE, 0, 0
    now = 0.0
    while now <= horizon:
        upcoming = endpoint.next_change_at()
        now = min(
            float(arrivals[next_arrival]) if next_arrival < count else math.inf,
            running[0][0] if running else math.inf,
            upcoming if upcoming is not None else math.inf,
            next_minute,
        )
        while running and running[0][0] <= now:
            _, _, invocation, ok = heapq.heappop(running)
            endpoint.finish(invocation, now, ok=ok)
            completions += ok
        while next_arrival < count and arrivals[next_arrival] <= now:
            invocation = QueuedRequest(
                str(next_arrival),
                float(arrivals[next_arrival]),
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
                TimelinePoint(now, metrics.backlog, metrics.instances, endpoint.desired, completions)
            )
            completions = 0
            next_minute += MINUTE
            settled = endpoint.desired == policy.min_capacity and not endpoint.updating
            if next_arrival == count and endpoint.backlog == 0 and settled:
                break
        for invocation in endpoint.advance(now).started:
            duration = float(durations[invocation.payload])
            ok = duration <= invocation.timeout
            heapq.heappush(running, (now + min(duration, invocation.timeout), id(invocation), invocation, ok))
    return _result(workload, policy, invocations, endpoint, scaler, timeline, now, peak, price_per_hour)


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

"""Scaling configuration: the scalable target, its policies and what one instance can do.

Durations are seconds of whichever clock drives the model (virtual in the simulator, scaled in the
local endpoint). `precis.template.scaling` reads them from a resolved template.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from precis.scaling.alarm import AlarmSpec
from precis.scaling.errors import ScalingConfigError

# Application Auto Scaling's alarms for a target tracking policy (AlarmHigh / AlarmLow):
# scale out after 3 of 3 one-minute datapoints above target, scale in after 15 of 15 below 90 % of it.
SCALE_OUT_DATAPOINTS = 3
SCALE_IN_DATAPOINTS = 15
SCALE_IN_THRESHOLD_RATIO = 0.9

AGGREGATIONS: dict[str, Callable[[Sequence[float]], float]] = {
    "Average": lambda values: sum(values) / len(values),
    "Minimum": min,
    "Maximum": max,
}


@dataclass(frozen=True)
class TargetTracking:
    """Target tracking on ApproximateBacklogSizePerInstance (or another per-instance backlog metric)."""

    target_value: float
    scale_out_cooldown: float = 300.0
    scale_in_cooldown: float = 300.0
    disable_scale_in: bool = False
    metric_name: str = "ApproximateBacklogSizePerInstance"

    def __post_init__(self) -> None:
        if self.target_value <= 0:
            raise ScalingConfigError("TargetValue must be positive")


@dataclass(frozen=True)
class StepAdjustment:
    """One step: bounds are relative to the alarm threshold (None = unbounded)."""

    scaling_adjustment: int
    lower_bound: float | None = 0.0
    upper_bound: float | None = None

    def contains(self, delta: float) -> bool:
        """Above the threshold the lower bound is inclusive, below it the upper bound is."""
        if delta >= 0:
            above = self.lower_bound is None or delta >= self.lower_bound
            below = self.upper_bound is None or delta < self.upper_bound
        else:
            above = self.lower_bound is None or delta > self.lower_bound
            below = self.upper_bound is None or delta <= self.upper_bound
        return above and below


@dataclass(frozen=True)
class StepScaling:
    """A step scaling policy and the alarm that invokes it.

    Application Auto Scaling aggregates the alarm's datapoints (MetricAggregationType) and picks the
    step whose bounds, relative to the alarm threshold, hold the difference between the two.
    """

    alarm: AlarmSpec
    steps: tuple[StepAdjustment, ...] = (StepAdjustment(1),)
    adjustment_type: str = "ChangeInCapacity"
    cooldown: float = 300.0
    metric_aggregation: str = "Average"
    min_adjustment_magnitude: int | None = None

    def __post_init__(self) -> None:
        if self.adjustment_type not in ("ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"):
            raise ScalingConfigError(f"unsupported AdjustmentType {self.adjustment_type!r}")
        if self.metric_aggregation not in AGGREGATIONS:
            raise ScalingConfigError(f"unsupported MetricAggregationType {self.metric_aggregation!r}")
        if self.adjustment_type == "ExactCapacity" and any(s.scaling_adjustment < 0 for s in self.steps):
            raise ScalingConfigError("ExactCapacity steps need a non-negative ScalingAdjustment")
        _check_step_intervals(self.steps)

    def capacity_for(self, datapoints: Sequence[float | None], current: int) -> int | None:
        """The capacity the steps ask for, from `current`, given the alarm's evaluated datapoints."""
        values = [value for value in datapoints if value is not None]
        if not values:
            return None
        delta = AGGREGATIONS[self.metric_aggregation](values) - self.alarm.threshold
        step = next((s for s in self.steps if s.contains(delta)), None)
        if step is None:
            return None
        if self.adjustment_type == "ExactCapacity":
            return step.scaling_adjustment
        if self.adjustment_type == "PercentChangeInCapacity":
            change = int(current * step.scaling_adjustment / 100)
            magnitude = max(abs(change), self.min_adjustment_magnitude or 1)
            return current + (magnitude if step.scaling_adjustment > 0 else -magnitude)
        return current + step.scaling_adjustment


@dataclass(frozen=True)
class ScalingPolicy:
    """Everything Application Auto Scaling needs for one endpoint variant."""

    min_capacity: int = 0
    max_capacity: int = 5
    target_tracking: TargetTracking | None = None
    step_scaling: StepScaling | None = None
    name: str = "custom"

    def __post_init__(self) -> None:
        if not 0 <= self.min_capacity <= self.max_capacity:
            raise ScalingConfigError("need 0 <= MinCapacity <= MaxCapacity")

    def clamp(self, capacity: int) -> int:
        return max(self.min_capacity, min(self.max_capacity, capacity))

    @classmethod
    def always_on(cls, instances: int) -> ScalingPolicy:
        return cls(min_capacity=instances, max_capacity=instances, name=f"always-on {instances}")


@dataclass(frozen=True)
class EndpointCapacity:
    """What one instance can do and how long it takes to come up."""

    max_concurrent_invocations: int = 1
    instance_start_delay: float = 480.0
    request_ttl: float = 21600.0
    invocation_timeout: float = 900.0
    instance_type: str = "ml.g4dn.xlarge"

    def __post_init__(self) -> None:
        if self.max_concurrent_invocations < 1:
            raise ScalingConfigError("MaxConcurrentInvocationsPerInstance must be at least 1")


def _check_step_intervals(steps: tuple[StepAdjustment, ...]) -> None:
    """Application Auto Scaling's rules: the intervals neither overlap nor leave a gap."""
    if not steps:
        raise ScalingConfigError("a step scaling policy needs at least one step adjustment")
    if any(s.lower_bound is None and s.upper_bound is None for s in steps):
        raise ScalingConfigError("a step adjustment needs a lower or an upper bound")
    ordered = sorted(steps, key=lambda s: float("-inf") if s.lower_bound is None else s.lower_bound)
    for previous, following in zip(ordered, ordered[1:], strict=False):
        if previous.upper_bound is None or previous.upper_bound != following.lower_bound:
            raise ScalingConfigError("step adjustment intervals overlap or leave a gap")

"""Scaling configuration: the scalable target, its policies and alarms, as the template declares them.

Durations are seconds of whichever clock drives the model (virtual in the simulator, scaled in the
local endpoint). `from_stack` reads a resolved template (precis.template.Stack).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Application Auto Scaling's alarms for a target tracking policy (AlarmHigh / AlarmLow):
# scale out after 3 of 3 one-minute datapoints above target, scale in after 15 of 15 below 90 % of it.
SCALE_OUT_DATAPOINTS = 3
SCALE_IN_DATAPOINTS = 15
SCALE_IN_THRESHOLD_RATIO = 0.9

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


class ScalingConfigError(ValueError):
    """The template's scaling resources cannot be turned into a policy the model can run."""


@dataclass(frozen=True)
class AlarmSpec:
    """A CloudWatch metric alarm on one of the endpoint's 1-minute metrics."""

    metric_name: str
    threshold: float
    comparison: str = "GreaterThanOrEqualToThreshold"
    period: int = 60
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1

    def __post_init__(self) -> None:
        if self.comparison not in COMPARISONS:
            raise ScalingConfigError(f"unsupported ComparisonOperator {self.comparison!r}")
        if self.period % 60:
            raise ScalingConfigError(f"alarm Period must be a multiple of 60 s, got {self.period}")
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ScalingConfigError("DatapointsToAlarm must be between 1 and EvaluationPeriods")

    def breaches(self, value: float) -> bool:
        return COMPARISONS[self.comparison](value, self.threshold)


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
        above = self.lower_bound is None or delta >= self.lower_bound
        below = self.upper_bound is None or delta < self.upper_bound
        return above and below


@dataclass(frozen=True)
class StepScaling:
    """A step scaling policy and the alarm that invokes it."""

    alarm: AlarmSpec
    steps: tuple[StepAdjustment, ...] = (StepAdjustment(1),)
    adjustment_type: str = "ChangeInCapacity"
    cooldown: float = 300.0

    def __post_init__(self) -> None:
        if self.adjustment_type not in ("ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"):
            raise ScalingConfigError(f"unsupported AdjustmentType {self.adjustment_type!r}")

    def capacity_for(self, metric_value: float, current: int) -> int | None:
        delta = metric_value - self.alarm.threshold
        step = next((s for s in self.steps if s.contains(delta)), None)
        if step is None:
            return None
        if self.adjustment_type == "ExactCapacity":
            return step.scaling_adjustment
        if self.adjustment_type == "PercentChangeInCapacity":
            change = current * step.scaling_adjustment / 100
            return current + (int(change) or (1 if change > 0 else -1 if change < 0 else 0))
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

    @classmethod
    def from_stack(cls, stack: Any, *, name: str = "template") -> ScalingPolicy:
        """Reads SummarizerScalableTarget, BacklogTargetTrackingPolicy and the step policy + its alarm."""
        target = _props(stack, "SummarizerScalableTarget")
        tracking = _optional_props(stack, "BacklogTargetTrackingPolicy")
        step = _optional_props(stack, "WakeFromZeroStepPolicy")
        alarm = _optional_props(stack, "HasBacklogWithoutCapacityAlarm")
        return cls(
            min_capacity=int(target["MinCapacity"]),
            max_capacity=int(target["MaxCapacity"]),
            target_tracking=_target_tracking(tracking) if tracking else None,
            step_scaling=_step_scaling(step, alarm) if step and alarm else None,
            name=name,
        )


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

    @classmethod
    def from_stack(cls, stack: Any, *, instance_start_delay: float = 480.0) -> EndpointCapacity:
        """AsyncInferenceConfig's concurrency, the instance type, the submit function's TTL and timeout."""
        config = _props(stack, "SummarizerEndpointConfig")
        client = config.get("AsyncInferenceConfig", {}).get("ClientConfig", {})
        variants = config.get("ProductionVariants") or [{}]
        env = _function_environment(stack, "SubmitFunction")
        return cls(
            max_concurrent_invocations=int(client.get("MaxConcurrentInvocationsPerInstance", 1)),
            instance_start_delay=instance_start_delay,
            request_ttl=float(env.get("REQUEST_TTL_SECONDS", 21600)),
            invocation_timeout=float(env.get("INVOCATION_TIMEOUT_SECONDS", 900)),
            instance_type=str(variants[0].get("InstanceType", "ml.g4dn.xlarge")),
        )


def _props(stack: Any, logical_id: str) -> dict:
    try:
        return stack.resources[logical_id].properties
    except KeyError:
        raise ScalingConfigError(f"the template has no {logical_id} resource") from None


def _optional_props(stack: Any, logical_id: str) -> dict | None:
    resource = stack.resources.get(logical_id)
    return resource.properties if resource else None


def _function_environment(stack: Any, logical_id: str) -> dict:
    resource = stack.resources.get(logical_id)
    if resource is None:
        return {}
    return resource.properties.get("Environment", {}).get("Variables", {})


def _target_tracking(props: dict) -> TargetTracking:
    config = props["TargetTrackingScalingPolicyConfiguration"]
    metric = config.get("CustomizedMetricSpecification", {}).get("MetricName")
    predefined = config.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType")
    name = metric or ("ApproximateBacklogSizePerInstance" if predefined is None else predefined)
    return TargetTracking(
        target_value=float(config["TargetValue"]),
        scale_out_cooldown=float(config.get("ScaleOutCooldown", 300)),
        scale_in_cooldown=float(config.get("ScaleInCooldown", 300)),
        disable_scale_in=str(config.get("DisableScaleIn", "false")).lower() == "true",
        metric_name=name,
    )


def _step_scaling(policy: dict, alarm: dict) -> StepScaling:
    config = policy["StepScalingPolicyConfiguration"]
    steps = tuple(
        StepAdjustment(
            scaling_adjustment=int(step["ScalingAdjustment"]),
            lower_bound=_bound(step.get("MetricIntervalLowerBound")),
            upper_bound=_bound(step.get("MetricIntervalUpperBound")),
        )
        for step in config["StepAdjustments"]
    )
    evaluation_periods = int(alarm.get("EvaluationPeriods", 1))
    spec = AlarmSpec(
        metric_name=str(alarm.get("MetricName", "HasBacklogWithoutCapacity")),
        threshold=float(alarm["Threshold"]),
        comparison=str(alarm.get("ComparisonOperator", "GreaterThanOrEqualToThreshold")),
        period=int(alarm.get("Period", 60)),
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=int(alarm.get("DatapointsToAlarm", evaluation_periods)),
    )
    return StepScaling(
        alarm=spec,
        steps=steps,
        adjustment_type=str(config.get("AdjustmentType", "ChangeInCapacity")),
        cooldown=float(config.get("Cooldown", 300)),
    )


def _bound(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)

"""Scaling configuration: the scalable target, its policies and alarms, as the template declares them.

Durations are seconds of whichever clock drives the model (virtual in the simulator, scaled in the
local endpoint). `from_stack` reads a resolved template (`precis.template.Stack`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from precis.lambda_functions import lambda_functions
from precis.scaling.metric_math import MetricMath, MetricMathError
from precis.scaling.metrics import ENDPOINT_METRICS, MinuteMetrics
from precis.template import Stack

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


TREAT_MISSING_DATA = ("missing", "ignore", "breaching", "notBreaching")
AGGREGATIONS: dict[str, Callable[[Sequence[float]], float]] = {
    "Average": lambda values: sum(values) / len(values),
    "Minimum": min,
    "Maximum": max,
}


@dataclass(frozen=True)
class AlarmSpec:
    """A CloudWatch metric alarm on one of the endpoint's 1-minute metrics or on metric math over them.

    The model has one datapoint per metric and minute, so every Stat of a minute is that datapoint.
    """

    metric: str | MetricMath
    threshold: float
    comparison: str = "GreaterThanOrEqualToThreshold"
    period: int = 60
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    treat_missing_data: str = "missing"

    def __post_init__(self) -> None:
        if self.comparison not in COMPARISONS:
            raise ScalingConfigError(f"unsupported ComparisonOperator {self.comparison!r}")
        if self.period % 60:
            raise ScalingConfigError(f"alarm Period must be a multiple of 60 s, got {self.period}")
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ScalingConfigError("DatapointsToAlarm must be between 1 and EvaluationPeriods")
        if self.treat_missing_data not in TREAT_MISSING_DATA:
            raise ScalingConfigError(f"unsupported TreatMissingData {self.treat_missing_data!r}")
        names = [self.metric] if isinstance(self.metric, str) else [n for _, n in self.metric.metrics]
        unknown = sorted(set(names) - set(ENDPOINT_METRICS))
        if unknown:
            raise ScalingConfigError(f"no alarm on {', '.join(unknown)}; use {', '.join(ENDPOINT_METRICS)}")

    @property
    def metric_name(self) -> str:
        return self.metric if isinstance(self.metric, str) else self.metric.expression

    def value(self, metrics: MinuteMetrics) -> float | None:
        """This alarm's datapoint for one minute: the metric's, or the expression's over its metrics."""
        if isinstance(self.metric, str):
            return metrics.value(self.metric)
        return self.metric.evaluate({i: metrics.value(name) for i, name in self.metric.metrics})

    def breaches(self, value: float | None) -> bool:
        if value is None:
            return self.treat_missing_data == "breaching"
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

    @classmethod
    def from_stack(cls, stack: Stack, *, name: str = "template") -> ScalingPolicy:
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
    def from_stack(cls, stack: Stack, *, instance_start_delay: float = 480.0) -> EndpointCapacity:
        """AsyncInferenceConfig's concurrency, the instance type, the submit function's TTL and timeout."""
        config = _props(stack, "SummarizerEndpointConfig")
        client = config.get("AsyncInferenceConfig", {}).get("ClientConfig", {})
        variants = config.get("ProductionVariants") or [{}]
        submit = lambda_functions(stack).get("SubmitFunction")
        env = submit.environment if submit else {}
        return cls(
            max_concurrent_invocations=int(client.get("MaxConcurrentInvocationsPerInstance", 1)),
            instance_start_delay=instance_start_delay,
            request_ttl=float(env.get("REQUEST_TTL_SECONDS", 21600)),
            invocation_timeout=float(env.get("INVOCATION_TIMEOUT_SECONDS", 900)),
            instance_type=str(variants[0].get("InstanceType", "ml.g4dn.xlarge")),
        )


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


def _props(stack: Stack, logical_id: str) -> dict:
    try:
        return stack.resources[logical_id].properties
    except KeyError:
        raise ScalingConfigError(f"the template has no {logical_id} resource") from None


def _optional_props(stack: Stack, logical_id: str) -> dict | None:
    resource = stack.resources.get(logical_id)
    return resource.properties if resource else None


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
    metric, period = _alarm_metric(alarm)
    spec = AlarmSpec(
        metric=metric,
        threshold=float(alarm["Threshold"]),
        comparison=str(alarm.get("ComparisonOperator", "GreaterThanOrEqualToThreshold")),
        period=period,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=int(alarm.get("DatapointsToAlarm", evaluation_periods)),
        treat_missing_data=str(alarm.get("TreatMissingData", "missing")),
    )
    magnitude = config.get("MinAdjustmentMagnitude")
    return StepScaling(
        alarm=spec,
        steps=steps,
        adjustment_type=str(config.get("AdjustmentType", "ChangeInCapacity")),
        cooldown=float(config.get("Cooldown", 300)),
        metric_aggregation=str(config.get("MetricAggregationType", "Average")),
        min_adjustment_magnitude=None if magnitude is None else int(magnitude),
    )


def _alarm_metric(alarm: dict) -> tuple[str | MetricMath, int]:
    """MetricName and Period, or the Metrics queries of a metric math alarm and their common period."""
    queries = alarm.get("Metrics")
    if not queries:
        return str(alarm.get("MetricName", "HasBacklogWithoutCapacity")), int(alarm.get("Period", 60))
    returned = [q for q in queries if str(q.get("ReturnData", "true")).lower() == "true"]
    if len(returned) != 1 or "Expression" not in returned[0]:
        raise ScalingConfigError("a metric math alarm needs exactly one expression with ReturnData true")
    stats = {q["Id"]: q["MetricStat"] for q in queries if "MetricStat" in q}
    periods = {int(stat["Period"]) for stat in stats.values()}
    if len(periods) != 1:
        raise ScalingConfigError("every metric of a metric math alarm needs the same Period")
    metrics = tuple((metric_id, str(stat["Metric"]["MetricName"])) for metric_id, stat in stats.items())
    try:
        return MetricMath(str(returned[0]["Expression"]), metrics), periods.pop()
    except MetricMathError as error:
        raise ScalingConfigError(str(error)) from None


def _bound(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)

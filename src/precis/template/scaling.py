"""The endpoint's scaling as the template declares it, read into `precis.scaling`'s model: the scalable
target, the target tracking and step policies with the alarm that invokes the step policy, and what
one instance can do (AsyncInferenceConfig, the instance type, SubmitFunction's TTL and timeout)."""

from __future__ import annotations

from typing import Any

from precis.scaling import (
    AlarmSpec,
    EndpointCapacity,
    ScalingConfigError,
    ScalingPolicy,
    StepAdjustment,
    StepScaling,
    TargetTracking,
)
from precis.scaling.metric_math import MetricMath, MetricMathError
from precis.template.functions import lambda_functions
from precis.template.stack import Stack


def scaling_policy(stack: Stack, *, name: str = "template") -> ScalingPolicy:
    """Reads SummarizerScalableTarget, BacklogTargetTrackingPolicy and the step policy + its alarm."""
    target = _props(stack, "SummarizerScalableTarget")
    tracking = _optional_props(stack, "BacklogTargetTrackingPolicy")
    step = _optional_props(stack, "WakeFromZeroStepPolicy")
    alarm = _optional_props(stack, "HasBacklogWithoutCapacityAlarm")
    return ScalingPolicy(
        min_capacity=int(target["MinCapacity"]),
        max_capacity=int(target["MaxCapacity"]),
        target_tracking=_target_tracking(tracking) if tracking else None,
        step_scaling=_step_scaling(step, alarm) if step and alarm else None,
        name=name,
    )


def endpoint_capacity(stack: Stack, *, instance_start_delay: float = 480.0) -> EndpointCapacity:
    """AsyncInferenceConfig's concurrency, the instance type, the submit function's TTL and timeout."""
    config = _props(stack, "SummarizerEndpointConfig")
    client = config.get("AsyncInferenceConfig", {}).get("ClientConfig", {})
    variants = config.get("ProductionVariants") or [{}]
    submit = lambda_functions(stack).get("SubmitFunction")
    env = submit.environment if submit else {}
    return EndpointCapacity(
        max_concurrent_invocations=int(client.get("MaxConcurrentInvocationsPerInstance", 1)),
        instance_start_delay=instance_start_delay,
        request_ttl=float(env.get("REQUEST_TTL_SECONDS", 21600)),
        invocation_timeout=float(env.get("INVOCATION_TIMEOUT_SECONDS", 900)),
        instance_type=str(variants[0].get("InstanceType", "ml.g4dn.xlarge")),
    )


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

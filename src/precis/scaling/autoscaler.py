"""Application Auto Scaling for one endpoint variant: alarms in, one desired capacity out.

Each minute the alarms see that minute's datapoints; every policy whose alarm is in ALARM proposes a
capacity. Scale-out wins over scale-in and the largest proposal wins among scale-outs. Target tracking
scales in only when no scale-out cooldown is running and no instance is still starting, and never below
MinCapacity. While instances are starting the endpoint is Updating and SageMaker accepts no capacity
change, so proposals wait for the next minute (the alarms stay in ALARM and ask again).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from precis.scaling.alarm import MetricAlarm
from precis.scaling.metrics import MinuteMetrics
from precis.scaling.policy import (
    SCALE_IN_DATAPOINTS,
    SCALE_IN_THRESHOLD_RATIO,
    SCALE_OUT_DATAPOINTS,
    AlarmSpec,
    ScalingPolicy,
)

NEVER = float("-inf")


@dataclass(frozen=True)
class ScalingActivity:
    at: float
    from_capacity: int
    to_capacity: int
    cause: str


class Autoscaler:
    def __init__(self, policy: ScalingPolicy, *, hold_while_updating: bool = True) -> None:
        self.policy = policy
        self.hold_while_updating = hold_while_updating
        tracking = policy.target_tracking
        self._high = self._low = self._step_alarm = None
        if tracking:
            self._high = MetricAlarm(
                AlarmSpec(
                    tracking.metric_name,
                    tracking.target_value,
                    "GreaterThanThreshold",
                    60,
                    SCALE_OUT_DATAPOINTS,
                    SCALE_OUT_DATAPOINTS,
                )
            )
            self._low = MetricAlarm(
                AlarmSpec(
                    tracking.metric_name,
                    tracking.target_value * SCALE_IN_THRESHOLD_RATIO,
                    "LessThanThreshold",
                    60,
                    SCALE_IN_DATAPOINTS,
                    SCALE_IN_DATAPOINTS,
                )
            )
        if policy.step_scaling:
            self._step_alarm = MetricAlarm(policy.step_scaling.alarm)
        self._last_scale_out = NEVER
        self._last_scale_in = NEVER
        self._last_step = NEVER
        self.activities: list[ScalingActivity] = []

    def evaluate(self, metrics: MinuteMetrics, *, desired: int, updating: bool) -> ScalingActivity | None:
        """Feeds one minute's metrics to the alarms; returns the scaling activity to perform, if any."""
        now = metrics.minute_end
        self._observe(metrics)
        floor = self.policy.clamp(desired)
        if floor != desired:
            return self._record(now, desired, floor, "capacity outside MinCapacity..MaxCapacity")
        if updating and self.hold_while_updating:
            return None
        scale_out = self._scale_out_proposals(metrics, desired, now)
        if scale_out:
            capacity, cause = max(scale_out)
            self._last_scale_out = now
            if cause == "step scaling":
                self._last_step = now
            return self._record(now, desired, capacity, cause)
        capacity = self._scale_in_proposal(metrics, desired, now, updating)
        if capacity is not None:
            self._last_scale_in = now
            return self._record(now, desired, capacity, "target tracking scale-in")
        return None

    def _observe(self, metrics: MinuteMetrics) -> None:
        tracking = self.policy.target_tracking
        if tracking:
            value = metrics.value(tracking.metric_name)
            self._high.observe(value)
            self._low.observe(value)
        if self._step_alarm:
            self._step_alarm.observe(metrics.value(self._step_alarm.spec.metric_name))

    def _tracked_capacity(self, metrics: MinuteMetrics) -> int:
        tracking = self.policy.target_tracking
        value = metrics.value(tracking.metric_name)
        return self.policy.clamp(math.ceil(max(1, metrics.instances) * value / tracking.target_value))

    def _scale_out_proposals(self, metrics: MinuteMetrics, desired: int, now: float) -> list[tuple[int, str]]:
        proposals = []
        if self._high and self._high.in_alarm:
            proposals.append((self._tracked_capacity(metrics), "target tracking scale-out"))
        step = self.policy.step_scaling
        if self._step_alarm and self._step_alarm.in_alarm and now - self._last_step >= step.cooldown:
            capacity = step.capacity_for(self._step_alarm.latest, desired)
            if capacity is not None:
                proposals.append((self.policy.clamp(capacity), "step scaling"))
        return [(capacity, cause) for capacity, cause in proposals if capacity > desired]

    def _scale_in_proposal(
        self, metrics: MinuteMetrics, desired: int, now: float, updating: bool
    ) -> int | None:
        tracking = self.policy.target_tracking
        if not (self._low and self._low.in_alarm) or tracking.disable_scale_in or updating:
            return None
        if now - self._last_scale_out < tracking.scale_out_cooldown:
            return None
        if now - self._last_scale_in < tracking.scale_in_cooldown:
            return None
        capacity = self._tracked_capacity(metrics)
        return capacity if capacity < desired else None

    def _record(self, now: float, before: int, after: int, cause: str) -> ScalingActivity:
        activity = ScalingActivity(now, before, after, cause)
        self.activities.append(activity)
        return activity

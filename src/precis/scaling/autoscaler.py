"""Application Auto Scaling for one endpoint variant: alarms in, one desired capacity out.

Each minute the alarms see that minute's datapoints; every policy whose alarm is in ALARM proposes a
capacity, as CloudWatch invokes a scaling action once a minute for as long as its alarm stays in ALARM.
Scale-out wins over scale-in and the largest proposal wins among each. Target tracking scales in only
when no scale-out cooldown is running and no instance is still starting, and never below MinCapacity.
A step policy's cooldown does not block a larger scale-out: during it, the capacity its last scale-out
added counts as already there (ChangeInCapacity and PercentChangeInCapacity start from the capacity
before that activity); it blocks the step policy's own scale-in. While instances are starting the
endpoint is Updating and SageMaker accepts no capacity change (`hold_while_updating`, an assumption:
users report ValidationException "Cannot update in-progress endpoint"), so proposals wait for the next
minute (the alarms stay in ALARM and ask again).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from precis.scaling.alarm import AlarmSpec, MetricAlarm
from precis.scaling.metrics import MinuteMetrics
from precis.scaling.policy import (
    SCALE_IN_DATAPOINTS,
    SCALE_IN_THRESHOLD_RATIO,
    SCALE_OUT_DATAPOINTS,
    ScalingPolicy,
)

NEVER = float("-inf")
STEP_CAUSE = "step scaling"


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
        self._step_base = 0
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
        step = self._step_proposal(desired, now)
        scale_out = self._scale_out_proposals(metrics, desired, step)
        if scale_out:
            capacity, cause = max(scale_out)
            self._last_scale_out = now
            if cause == STEP_CAUSE:
                self._last_step = now
                self._step_base = desired
            return self._record(now, desired, capacity, cause)
        scale_in = self._scale_in_proposals(metrics, desired, now, updating, step)
        if scale_in:
            capacity, cause = max(scale_in)
            self._last_scale_in = now
            return self._record(now, desired, capacity, cause)
        return None

    def _observe(self, metrics: MinuteMetrics) -> None:
        tracking = self.policy.target_tracking
        if tracking and self._high and self._low:
            value = metrics.value(tracking.metric_name)
            self._high.observe(value)
            self._low.observe(value)
        if self._step_alarm:
            self._step_alarm.observe(self._step_alarm.spec.value(metrics))

    def _tracked_capacity(self, metrics: MinuteMetrics) -> int:
        tracking = self.policy.target_tracking
        assert tracking is not None  # asked only while a target-tracking alarm is in ALARM
        value = metrics.value(tracking.metric_name)
        return self.policy.clamp(math.ceil(max(1, metrics.instances) * value / tracking.target_value))

    def _step_proposal(self, desired: int, now: float) -> int | None:
        """The step policy's capacity while its alarm is in ALARM, clamped to Min..MaxCapacity."""
        step = self.policy.step_scaling
        if step is None or not (self._step_alarm and self._step_alarm.in_alarm):
            return None
        base = self._step_base if self._in_step_cooldown(now) else desired
        capacity = step.capacity_for(self._step_alarm.datapoints, base)
        return None if capacity is None else self.policy.clamp(capacity)

    def _in_step_cooldown(self, now: float) -> bool:
        step = self.policy.step_scaling
        assert step is not None  # asked only with a step proposal, which needs a step policy
        return now - self._last_step < step.cooldown

    def _scale_out_proposals(
        self, metrics: MinuteMetrics, desired: int, step: int | None
    ) -> list[tuple[int, str]]:
        proposals = []
        if self._high and self._high.in_alarm:
            proposals.append((self._tracked_capacity(metrics), "target tracking scale-out"))
        if step is not None:
            proposals.append((step, STEP_CAUSE))
        return [(capacity, cause) for capacity, cause in proposals if capacity > desired]

    def _scale_in_proposals(
        self, metrics: MinuteMetrics, desired: int, now: float, updating: bool, step: int | None
    ) -> list[tuple[int, str]]:
        proposals = []
        tracked = self._tracked_scale_in(metrics, desired, now, updating)
        if tracked is not None:
            proposals.append((tracked, "target tracking scale-in"))
        if step is not None and step < desired and not self._in_step_cooldown(now):
            proposals.append((step, STEP_CAUSE))
        return proposals

    def _tracked_scale_in(
        self, metrics: MinuteMetrics, desired: int, now: float, updating: bool
    ) -> int | None:
        tracking = self.policy.target_tracking
        if (
            tracking is None
            or not (self._low and self._low.in_alarm)
            or tracking.disable_scale_in
            or updating
        ):
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

"""CloudWatch metric alarm evaluation: M of the last N periods breaching puts the alarm in ALARM."""

from __future__ import annotations

from collections import deque
from enum import StrEnum

from precis.scaling.policy import AlarmSpec


class AlarmState(StrEnum):
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"
    OK = "OK"
    ALARM = "ALARM"


class MetricAlarm:
    """Evaluated once per one-minute datapoint; longer periods average their minutes (Statistic Average)."""

    def __init__(self, spec: AlarmSpec) -> None:
        self.spec = spec
        self.state = AlarmState.INSUFFICIENT_DATA
        self._minutes_per_period = spec.period // 60
        self._period_values: list[float] = []
        self._datapoints: deque[float] = deque(maxlen=spec.evaluation_periods)

    def observe(self, value: float) -> AlarmState:
        """Adds one minute's datapoint and returns the state after evaluating the alarm."""
        self._period_values.append(value)
        if len(self._period_values) < self._minutes_per_period:
            return self.state
        self._datapoints.append(sum(self._period_values) / len(self._period_values))
        self._period_values.clear()
        breaching = sum(1 for point in self._datapoints if self.spec.breaches(point))
        if breaching >= self.spec.datapoints_to_alarm:
            self.state = AlarmState.ALARM
        elif len(self._datapoints) >= self.spec.datapoints_to_alarm:
            self.state = AlarmState.OK
        return self.state

    @property
    def latest(self) -> float | None:
        return self._datapoints[-1] if self._datapoints else None

    @property
    def in_alarm(self) -> bool:
        return self.state is AlarmState.ALARM

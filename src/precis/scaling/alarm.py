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
    """Evaluated once per one-minute datapoint; longer periods average their minutes (Statistic Average).

    A missing datapoint (None) counts as TreatMissingData says: breaching, not breaching, or, for
    `missing` and `ignore`, not at all (the alarm keeps its state).
    """

    def __init__(self, spec: AlarmSpec) -> None:
        self.spec = spec
        self.state = AlarmState.INSUFFICIENT_DATA
        self._minutes_per_period = spec.period // 60
        self._period_values: list[float | None] = []
        self._datapoints: deque[float | None] = deque(maxlen=spec.evaluation_periods)

    def observe(self, value: float | None) -> AlarmState:
        """Adds one minute's datapoint and returns the state after evaluating the alarm."""
        self._period_values.append(value)
        if len(self._period_values) < self._minutes_per_period:
            return self.state
        present = [v for v in self._period_values if v is not None]
        self._period_values.clear()
        if not present and self.spec.treat_missing_data in ("missing", "ignore"):
            return self.state
        self._datapoints.append(sum(present) / len(present) if present else None)
        breaching = sum(1 for point in self._datapoints if self.spec.breaches(point))
        if breaching >= self.spec.datapoints_to_alarm:
            self.state = AlarmState.ALARM
        elif len(self._datapoints) >= self.spec.datapoints_to_alarm:
            self.state = AlarmState.OK
        return self.state

    @property
    def datapoints(self) -> list[float | None]:
        """The datapoints of the last EvaluationPeriods, oldest first."""
        return list(self._datapoints)

    @property
    def in_alarm(self) -> bool:
        return self.state is AlarmState.ALARM

"""CloudWatch metric alarms: what one watches (`AlarmSpec`) and its evaluation (`MetricAlarm`), where M
of the last N periods breaching puts the alarm in ALARM."""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from precis.scaling.errors import ScalingConfigError
from precis.scaling.metric_math import MetricMath
from precis.scaling.metrics import ENDPOINT_METRICS, MinuteMetrics

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


TREAT_MISSING_DATA = ("missing", "ignore", "breaching", "notBreaching")


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

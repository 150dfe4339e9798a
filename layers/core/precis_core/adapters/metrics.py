"""The functions' CloudWatch counters: each service outcome is one metric, named by its handler's table.

A handler declares which metric each outcome of its service counts under (the names the stack's alarms
and dashboard use) and reports through `OutcomeMetrics`; the counting itself is the same in all three.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

OutcomeT = TypeVar("OutcomeT", bound=StrEnum)
OutcomeT_co = TypeVar("OutcomeT_co", bound=StrEnum, covariant=True)


class Settled(Protocol[OutcomeT_co]):
    """A service's result for one item: a dataclass with its outcome."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def outcome(self) -> OutcomeT_co: ...


@dataclass(frozen=True)
class OutcomeMetrics(Generic[OutcomeT]):
    """Counts a service's outcomes as the metrics `names` gives them, in the handler's `metrics`."""

    metrics: Metrics
    names: Mapping[OutcomeT, str]

    def count(self, name: str, value: int = 1) -> None:
        """Adds `value` to the count metric `name` (also for failures that are not outcomes)."""
        self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)

    def count_outcome(self, outcome: OutcomeT) -> None:
        self.count(self.names[outcome])

    def count_each(self, counts: Mapping[str, int]) -> None:
        """Every outcome's count from a run's tally (keyed by outcome value), zeros included, so each
        metric has a point every run and the dashboard's lines have no gaps."""
        for outcome, name in self.names.items():
            self.count(name, counts.get(outcome.value, 0))

    def reported(self, result: Settled[OutcomeT], logger: Logger) -> dict[str, Any]:
        """Counts one result's outcome and logs its fields; returns them for the handler's response."""
        self.count_outcome(result.outcome)
        fields = asdict(result)
        # stacklevel 3: the log line's location is the handler's, as when it logged itself.
        logger.info(result.outcome.value, stacklevel=3, extra=fields)
        return fields

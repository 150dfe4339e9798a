"""The asynchronous endpoint's CloudWatch metrics for one minute, as SageMaker defines them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NAMESPACE = "AWS/SageMaker"
Datapoint = tuple[str, float, Literal["Count", "Seconds", "Milliseconds", "Microseconds"]]
"""(metric name, value, CloudWatch unit)."""
ENDPOINT_METRICS = (
    "ApproximateBacklogSize",
    "ApproximateBacklogSizePerInstance",
    "ApproximateAgeOfOldestRequest",
    "HasBacklogWithoutCapacity",
)
VARIANT_METRICS = (
    "InvocationsProcesssed",  # sic: SageMaker's own spelling
    "InvocationFailures",
    "TotalProcessingTime",
    "ModelLatency",
    "TimeInBacklog",
)


@dataclass(frozen=True)
class MinuteMetrics:
    """One datapoint per metric for the minute ending at `minute_end` (seconds of the model's clock).

    ApproximateBacklogSize counts queued and in-flight requests; the per-instance figure divides it by
    the in-service instances, or by 1 when there are none (so target tracking sees a backlog above its
    target even at zero instances, and scales from zero only once more than TargetValue requests wait).
    Durations are seconds; `cloudwatch_units` converts them for PutMetricData.
    """

    minute_end: float
    backlog: int
    instances: int
    age_of_oldest_request: float
    processed: int = 0
    failures: int = 0
    total_processing_time: float = 0.0
    total_time_in_backlog: float = 0.0

    @property
    def backlog_per_instance(self) -> float:
        return self.backlog / max(1, self.instances)

    @property
    def has_backlog_without_capacity(self) -> int:
        return int(self.backlog > 0 and self.instances == 0)

    def value(self, metric_name: str) -> float:
        values = {
            "ApproximateBacklogSize": float(self.backlog),
            "ApproximateBacklogSizePerInstance": self.backlog_per_instance,
            "ApproximateAgeOfOldestRequest": self.age_of_oldest_request,
            "HasBacklogWithoutCapacity": float(self.has_backlog_without_capacity),
        }
        try:
            return values[metric_name]
        except KeyError:
            raise ValueError(f"no scaling on metric {metric_name!r}; use one of {sorted(values)}") from None

    def endpoint_datapoints(self) -> list[Datapoint]:
        """(name, value, unit) for the endpoint-level metrics."""
        return [
            ("ApproximateBacklogSize", float(self.backlog), "Count"),
            ("ApproximateBacklogSizePerInstance", self.backlog_per_instance, "Count"),
            ("ApproximateAgeOfOldestRequest", self.age_of_oldest_request, "Seconds"),
            ("HasBacklogWithoutCapacity", float(self.has_backlog_without_capacity), "Count"),
        ]

    def variant_datapoints(self) -> list[Datapoint]:
        """(name, value, unit) for the per-variant metrics; latencies are per-request averages."""
        done = self.processed + self.failures
        points: list[Datapoint] = [
            ("InvocationsProcesssed", float(self.processed), "Count"),
            ("InvocationFailures", float(self.failures), "Count"),
        ]
        if done:
            points += [
                ("TotalProcessingTime", self.total_processing_time * 1000 / done, "Milliseconds"),
                ("ModelLatency", self.total_processing_time * 1_000_000 / done, "Microseconds"),
                # Microseconds, unlike TotalProcessingTime (SageMaker's async endpoint metrics table).
                ("TimeInBacklog", self.total_time_in_backlog * 1_000_000 / done, "Microseconds"),
            ]
        return points

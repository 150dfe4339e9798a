"""A simulation run as the CLI describes it: which arrivals, how long each takes, which policies."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import numpy as np

from precis import paths
from precis.inference_script import InferenceScript
from precis.samples import content_type, sample_files
from precis.scaling import EndpointCapacity, ScalingPolicy
from precis.simulation.policies import TemplateEndpoint, price_for, target_tracking_policy
from precis.simulation.processing import gpu_of, processing_times
from precis.simulation.run import SimulationResult, simulate
from precis.simulation.workload import (
    Workload,
    WorkloadError,
    after_idle,
    burst,
    from_csv,
    lognormal,
    poisson,
)


class Arrivals(StrEnum):
    burst = "burst"
    poisson = "poisson"
    csv = "csv"
    idle = "idle"


class PolicyName(StrEnum):
    template = "template"
    target_tracking = "target-tracking"
    always_on = "always-on"


@dataclass(frozen=True)
class ArrivalOptions:
    kind: Arrivals
    requests: int = 10_000
    over: float = 600.0
    rate: float | None = None
    duration: float = 3600.0
    idle: float = 3600.0
    csv_path: Path | None = None

    def times(self, rng: np.random.Generator) -> tuple[str, np.ndarray]:
        if self.kind is Arrivals.burst:
            return f"burst of {self.requests:,} requests over {self.over:g} s", burst(
                self.requests, self.over
            )
        if self.kind is Arrivals.poisson:
            if self.rate is None:
                raise WorkloadError("poisson arrivals need --rate (requests per second)")
            label = f"Poisson arrivals at {self.rate:g}/s for {self.duration:g} s"
            return label, poisson(self.rate, self.duration, rng)
        if self.kind is Arrivals.csv:
            if self.csv_path is None:
                raise WorkloadError("csv arrivals need the path of a CSV file of timestamps")
            return f"arrivals from {self.csv_path.name}", from_csv(self.csv_path)
        return f"one request after {self.idle / 60:g} idle minutes", after_idle(self.idle)


@dataclass(frozen=True)
class CapacityOverrides:
    max_concurrency: int | None = None
    min_capacity: int | None = None
    max_capacity: int | None = None
    request_ttl: float | None = None
    invocation_timeout: float | None = None

    def policy(self, policy: ScalingPolicy) -> ScalingPolicy:
        if policy.name.startswith("always-on"):
            return policy
        return replace(
            policy,
            min_capacity=policy.min_capacity if self.min_capacity is None else self.min_capacity,
            max_capacity=policy.max_capacity if self.max_capacity is None else self.max_capacity,
        )

    def capacity(self, capacity: EndpointCapacity) -> EndpointCapacity:
        return replace(
            capacity,
            max_concurrent_invocations=self.max_concurrency or capacity.max_concurrent_invocations,
            request_ttl=self.request_ttl or capacity.request_ttl,
            invocation_timeout=self.invocation_timeout or capacity.invocation_timeout,
        )


@dataclass(frozen=True)
class ArticleOptions:
    """Article lengths in words (lognormal), or else a processing-time distribution given directly."""

    words_mean: float = 3_000.0
    words_sd: float = 1_500.0
    processing_mean: float | None = None
    processing_sd: float | None = None


def compared_policies(
    names: list[PolicyName], *, always_on: int, template: ScalingPolicy
) -> list[ScalingPolicy]:
    """The named policies; target tracking alone and always-on get the template's MaxCapacity."""
    chosen = {
        PolicyName.template: template,
        PolicyName.target_tracking: target_tracking_policy(template.max_capacity),
        PolicyName.always_on: ScalingPolicy.always_on(always_on),
    }
    return [chosen[name] for name in names]


def run_all(
    workload: Workload,
    policies: list[ScalingPolicy],
    capacity: EndpointCapacity,
    *,
    price_per_hour: float | None,
    hold_while_updating: bool = True,
) -> tuple[list[SimulationResult], float]:
    """Every policy on the same workload, billed over the same window (the longest run); and the wall time."""
    price = price_per_hour if price_per_hour is not None else price_for(capacity.instance_type) or 0.0
    started = time.perf_counter()
    results = [
        simulate(workload, policy, capacity, price_per_hour=price, hold_while_updating=hold_while_updating)
        for policy in policies
    ]
    elapsed = time.perf_counter() - started
    window = max(result.end_time for result in results)
    return [result.billed_until(window) for result in results], elapsed


def measure_engine(repeats: int = 3) -> tuple[float, float]:
    """Mean and sd of the offline engine's seconds per sample article, run through model/code/inference.py."""
    model = InferenceScript(paths.model_code_dir() / "inference.py", paths.project_root() / "model").load()
    articles = sample_files()
    if not articles:
        raise WorkloadError(f"no sample articles in {paths.samples_dir()}")
    timings = []
    for _ in range(repeats):
        for article in articles:
            started = time.perf_counter()
            model.invoke(article.read_bytes(), content_type(article), "application/json")
            timings.append(time.perf_counter() - started)
    return statistics.fmean(timings), statistics.pstdev(timings)


def make_workload(
    arrivals: ArrivalOptions, articles: ArticleOptions, endpoint: TemplateEndpoint, rng: np.random.Generator
) -> Workload:
    """The arrivals, and each request's processing time on the endpoint's instance type."""
    label, times = arrivals.times(rng)
    if articles.processing_mean is not None:
        mean = articles.processing_mean
        sd = mean / 2 if articles.processing_sd is None else articles.processing_sd
        seconds = lognormal(len(times), mean, sd, rng)
        return Workload(label, times, seconds, processing=f"{mean:.2f} ± {sd:.2f} s per request (given)")
    words = lognormal(len(times), articles.words_mean, articles.words_sd, rng)
    lengths = Workload(label, times, np.zeros(len(times)), words=words)  # on_instance sets the times
    return on_instance(lengths, endpoint.capacity.instance_type, endpoint.map_batch)


def on_instance(workload: Workload, instance_type: str, map_batch: int) -> Workload:
    """The workload's processing times on that instance type's GPU (from its article lengths, if any)."""
    if workload.words is None:
        return workload
    seconds = processing_times(workload.words, instance_type, map_batch)
    words = workload.words
    processing = (
        f"articles of {words.mean():,.0f} ± {words.std():,.0f} words: {seconds.mean():.1f} ± "
        f"{seconds.std():.1f} s each on {instance_type} ({gpu_of(instance_type).name}, map batch {map_batch})"
    )
    return replace(workload, processing_times=seconds, processing=processing)

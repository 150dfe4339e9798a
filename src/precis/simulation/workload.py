"""Arrivals and per-request processing times for a simulation."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np


class WorkloadError(ValueError):
    """The arrivals or processing times cannot be built from what was given."""


@dataclass(frozen=True)
class Workload:
    """Arrival times and each request's seconds on a dedicated GPU; `words` when those come from lengths."""

    name: str
    arrivals: np.ndarray
    processing_times: np.ndarray
    words: np.ndarray | None = None
    processing: str = ""

    def __post_init__(self) -> None:
        if len(self.arrivals) != len(self.processing_times):
            raise WorkloadError("one processing time per arrival")


def burst(count: int, over: float, *, start: float = 0.0) -> np.ndarray:
    """`count` requests spread evenly over `over` seconds (the 10,000-request burst of AWS's write-up)."""
    if count < 1 or over < 0:
        raise WorkloadError("a burst needs at least one request and a non-negative period")
    return start + np.linspace(0.0, over, count, endpoint=False)


def poisson(rate: float, duration: float, rng: np.random.Generator) -> np.ndarray:
    """Arrivals of a Poisson process at `rate` per second during `duration` seconds."""
    if rate <= 0 or duration <= 0:
        raise WorkloadError("a Poisson workload needs a positive rate and duration")
    gaps = rng.exponential(1.0 / rate, size=int(rate * duration * 1.2) + 16)
    times = np.cumsum(gaps)
    while times[-1] < duration:
        more = np.cumsum(rng.exponential(1.0 / rate, size=len(gaps))) + times[-1]
        times = np.concatenate([times, more])
    return times[times < duration]


def after_idle(idle: float) -> np.ndarray:
    """One request after `idle` seconds with nothing to do."""
    return np.array([float(idle)])


def from_csv(path: Path) -> np.ndarray:
    """Timestamps in the first column (seconds, or ISO-8601), shifted so the first one is at 0."""
    times: list[float] = []
    with path.open(newline="") as handle:
        for row_number, row in enumerate(csv.reader(handle), start=1):
            if not row or not row[0].strip():
                continue
            value = _timestamp(row[0].strip())
            if value is None:
                if row_number == 1:
                    continue  # a header line
                raise WorkloadError(f"{path}:{row_number}: {row[0]!r} is neither seconds nor ISO-8601")
            times.append(value)
    if not times:
        raise WorkloadError(f"{path} holds no timestamps")
    arrivals = np.sort(np.array(times))
    return arrivals - arrivals[0]


def lognormal(count: int, mean: float, sd: float, rng: np.random.Generator) -> np.ndarray:
    """Positive values (seconds, words) with the given mean and standard deviation."""
    if mean <= 0 or sd < 0:
        raise WorkloadError("a lognormal distribution needs a positive mean and a non-negative sd")
    if sd == 0:
        return np.full(count, mean)
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), size=count)


def _timestamp(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None

"""Wall time of `precis simulate` and `precis simulate tune` on the 10,000-request burst (medians).

Usage: .venv/bin/python bench/simulate.py [--runs 5]
Compare: template, target tracking alone and always-on 5 on the burst (targets: < 5 s).
Tune: `tune burst --p95 30m` (target: < 30 s), with how many settings it simulated.
The same process prints each run, then the medians; the machine is shared, so the spread is shown too.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from precis.simulation.policies import template_endpoint
from precis.simulation.scenario import (
    ArrivalOptions,
    Arrivals,
    ArticleOptions,
    PolicyName,
    compared_policies,
    make_workload,
    run_all,
)
from precis.simulation.tune import Goal, Tuner

COMPARED = [PolicyName.template, PolicyName.target_tracking, PolicyName.always_on]


def burst_workload():
    endpoint = template_endpoint(None, instance_start_delay=480)
    rng = np.random.default_rng(7)
    workload = make_workload(ArrivalOptions(Arrivals.burst), ArticleOptions(), endpoint, rng)
    return endpoint, workload


def compare_seconds() -> float:
    started = time.perf_counter()
    endpoint, workload = burst_workload()
    policies = compared_policies(COMPARED, always_on=5, template=endpoint.policy)
    run_all(workload, policies, endpoint.capacity, price_per_hour=None)
    return time.perf_counter() - started


def tune_seconds() -> tuple[float, int, dict[str, str]]:
    started = time.perf_counter()
    _, workload = burst_workload()
    tuning = Tuner(workload, Goal(1800)).run()
    return time.perf_counter() - started, tuning.simulated, tuning.best.settings if tuning.best else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    compares = []
    for number in range(runs):
        compares.append(compare_seconds())
        print(f"compare run {number + 1}: {compares[-1]:.2f} s")
    tunes = []
    for number in range(runs):
        seconds, simulated, settings = tune_seconds()
        tunes.append(seconds)
        print(f"tune run {number + 1}: {seconds:.1f} s, {simulated} settings, best {settings}")
    print(
        f"compare 3 policies × 10,000 requests: median {statistics.median(compares):.2f} s "
        f"(min {min(compares):.2f}, max {max(compares):.2f}); target < 5 s"
    )
    print(
        f"tune --p95 30m on 10,000 requests: median {statistics.median(tunes):.1f} s "
        f"(min {min(tunes):.1f}, max {max(tunes):.1f}); target < 30 s"
    )


if __name__ == "__main__":
    main()

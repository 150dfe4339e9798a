"""`precis simulate`: what a scaling policy costs and how long summaries take, before deploying it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich import box
from rich.table import Table

from precis.cli.console import EXIT_USAGE, console, fail, print_json
from precis.scaling import ScalingConfigError
from precis.simulation.plot import plot
from precis.simulation.policies import PRICE_SOURCE
from precis.simulation.run import SimulationResult
from precis.simulation.scenario import (
    ArrivalOptions,
    Arrivals,
    CapacityOverrides,
    PolicyName,
    build_policies,
    make_workload,
    measure_engine,
    run_all,
)
from precis.simulation.workload import WorkloadError

COMPARED = [PolicyName.template, PolicyName.target_tracking, PolicyName.always_on]


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    app.command("simulate")(simulate)


def simulate(
    arrivals: Annotated[
        Arrivals,
        typer.Argument(help="burst (N over a period), poisson (--rate), csv PATH, idle (one after --idle)"),
    ] = Arrivals.burst,
    csv_path: Annotated[
        Path | None, typer.Argument(help="csv only: a file of timestamps", exists=True)
    ] = None,
    requests: Annotated[int, typer.Option(help="burst: how many requests.")] = 10_000,
    over: Annotated[float, typer.Option(help="burst: over how many seconds.")] = 600.0,
    rate: Annotated[float | None, typer.Option(help="poisson: requests per second.")] = None,
    duration: Annotated[float, typer.Option(help="poisson: seconds of arrivals.")] = 3600.0,
    idle: Annotated[float, typer.Option(help="idle: seconds before the single request.")] = 3600.0,
    processing_mean: Annotated[
        float,
        typer.Option(help="Seconds per request (lognormal mean): PEGASUS on one T4 GPU, by assumption."),
    ] = 6.0,
    processing_sd: Annotated[float, typer.Option(help="Lognormal standard deviation, seconds.")] = 3.0,
    measure_engine_time: Annotated[
        bool,
        typer.Option(
            "--measure-engine",
            help="Measure processing time with the offline engine (model/code/inference.py) on this machine.",
        ),
    ] = False,
    policy: Annotated[PolicyName, typer.Option(help="The policy to run (ignored with --compare).")] = (
        PolicyName.template
    ),
    compare: Annotated[
        bool, typer.Option(help="Run template, target tracking alone and always-on side by side.")
    ] = False,
    instances: Annotated[int, typer.Option(help="always-on: how many instances.")] = 5,
    start_delay: Annotated[
        float, typer.Option(help="Seconds before a new instance serves (7-9 min measured for HF models).")
    ] = 480.0,
    max_concurrency: Annotated[
        int | None, typer.Option(help="MaxConcurrentInvocationsPerInstance (default: the template's).")
    ] = None,
    min_capacity: Annotated[int | None, typer.Option(help="MinCapacity (default: the template's).")] = None,
    max_capacity: Annotated[int | None, typer.Option(help="MaxCapacity (default: the template's).")] = None,
    ttl: Annotated[
        float | None, typer.Option(help="RequestTTLSeconds (default: the submit function's).")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="InvocationTimeoutSeconds (default: the template's).")
    ] = None,
    price_per_hour: Annotated[
        float | None,
        typer.Option(help=f"USD per instance-hour (default: the template's instance type, {PRICE_SOURCE})."),
    ] = None,
    hold_while_updating: Annotated[
        bool,
        typer.Option(
            help="SageMaker changes no capacity while instances are still starting (endpoint Updating)."
        ),
    ] = True,
    template: Annotated[Path | None, typer.Option(help="template.yaml (default: the project's).")] = None,
    plot_path: Annotated[
        Path | None, typer.Option("--plot", help="Draw backlog, instances, completions.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed, for repeatable runs.")] = 7,
) -> None:
    """Simulate SageMaker async inference with autoscaling: instance-hours, cost and time to summary."""
    rng = np.random.default_rng(seed)
    options = ArrivalOptions(arrivals, requests, over, rate, duration, idle, csv_path)
    overrides = CapacityOverrides(max_concurrency, min_capacity, max_capacity, ttl, timeout)
    try:
        if measure_engine_time:
            processing_mean, processing_sd = measure_engine()
        workload = make_workload(options, mean=processing_mean, sd=processing_sd, rng=rng)
        names = COMPARED if compare else [policy]
        policies, capacity = build_policies(
            names, always_on=instances, template=template, instance_start_delay=start_delay
        )
        results, elapsed = run_all(
            workload,
            [overrides.policy(p) for p in policies],
            overrides.capacity(capacity),
            price_per_hour=price_per_hour,
            hold_while_updating=hold_while_updating,
        )
    except (WorkloadError, ScalingConfigError) as error:
        raise fail(str(error), EXIT_USAGE) from None
    if plot_path:
        plot(results, plot_path)
    if as_json:
        print_json(
            {
                "workload": workload.name,
                "processing_time_s": {"mean": round(processing_mean, 3), "sd": round(processing_sd, 3)},
                "instance_type": capacity.instance_type,
                "elapsed_s": round(elapsed, 3),
                "results": [result.summary() for result in results],
                "plot": str(plot_path) if plot_path else None,
            }
        )
        return
    window = max(result.end_time for result in results)
    console.print(
        f"[bold]{workload.name}[/] · {capacity.instance_type} at ${results[0].price_per_hour:.3f}/h "
        f"· billed over the same {_duration(window)}"
    )
    console.print(_table(results))
    console.print(
        f"processing time {processing_mean:.2f} ± {processing_sd:.2f} s per request; "
        f"instance start {start_delay:g} s; simulated {len(workload.arrivals):,} requests × "
        f"{len(results)} {'policies' if len(results) > 1 else 'policy'} in {elapsed:.2f} s"
    )
    if plot_path:
        console.print(f"plot: {plot_path}")


def _table(results: list[SimulationResult]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 0), pad_edge=False, collapse_padding=True)
    for column in ("policy", "inst-h", "cost $", "p50", "p95", "p99", "max", "peak", "expired"):
        table.add_column(column, justify="left" if column == "policy" else "right", no_wrap=True)
    for result in results:
        table.add_row(
            result.policy,
            f"{result.instance_hours:.2f}",
            f"{result.cost:.2f}",
            *(_duration(result.percentile(q)) for q in (50, 95, 99, 100)),
            f"{result.peak_backlog:,}",
            f"{result.expired:,}" + (f" (+{result.failed} failed)" if result.failed else ""),
        )
    return table


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"

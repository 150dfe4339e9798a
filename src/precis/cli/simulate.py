"""`precis simulate`: what a scaling policy costs and how long summaries take, before deploying it.

`precis simulate [burst|poisson|idle|csv PATH]` runs the template's policies (or compares them);
`precis simulate tune [burst|poisson|csv PATH] --p95 30m` searches the template's parameters for the
cheapest setting that meets the goal and prints it as `sam deploy --parameter-overrides`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich import box
from rich.table import Table

from precis.cli.console import EXIT_FAILED, EXIT_USAGE, console, fail, print_json
from precis.cli.selection import SelectionError, parse_duration
from precis.scaling import ScalingConfigError
from precis.simulation.plot import plot
from precis.simulation.policies import PRICE_SOURCE, template_endpoint
from precis.simulation.processing import ProcessingModelError
from precis.simulation.run import SimulationResult
from precis.simulation.scenario import (
    ArrivalOptions,
    Arrivals,
    ArticleOptions,
    PolicyName,
    compared_policies,
    make_workload,
    measure_engine,
    run_all,
)
from precis.simulation.tune import Goal, Trial, Tuner, Tuning
from precis.simulation.workload import Workload, WorkloadError

COMPARED = [PolicyName.template, PolicyName.target_tracking, PolicyName.always_on]
TUNE = "tune"
PROCESSING_HELP = (
    "Where processing time comes from: each article's length (--words) makes windows of ~700 words and "
    "the map-reduce generate() calls of model/code/precis_summarizer/seq2seq.py (MapBatchSize windows "
    "per call). Seconds per call are fitted to a PEGASUS of pegasus-cnn_dailymail's size measured on one "
    "H200 (fp32, beam 8, every window decoded to 128 tokens, so an upper bound: 2.1 s for one window, "
    "13.8 s for 20), then scaled to the instance type's GPU (T4, A10G, V100) from datasheet bandwidth "
    "and FP32 throughput: modelled, not measured. An instance's concurrent invocations share its GPU, "
    "as two workers on one H200 gave no more papers per minute than one. Details: docs/BENCHMARKS.md."
)


@dataclass(frozen=True)
class Command:
    tune: bool
    arrivals: Arrivals
    csv_path: Path | None


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    app.command("simulate", help=simulate.__doc__ + "\n\n" + PROCESSING_HELP)(simulate)


def simulate(
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[tune] [burst|poisson|idle|csv PATH]",
            help="tune: search for the cheapest setting meeting --p95. Arrivals: burst (--requests over "
            "--over s), poisson (--rate), idle (one request after --idle s), csv PATH (timestamps, e.g. "
            "a CloudWatch export).",
            show_default=False,
        ),
    ] = None,
    requests: Annotated[int, typer.Option(help="burst: how many requests.")] = 10_000,
    over: Annotated[float, typer.Option(help="burst: over how many seconds.")] = 600.0,
    rate: Annotated[float | None, typer.Option(help="poisson: requests per second.")] = None,
    duration: Annotated[float, typer.Option(help="poisson: seconds of arrivals.")] = 3600.0,
    idle: Annotated[float, typer.Option(help="idle: seconds before the single request.")] = 3600.0,
    article_words: Annotated[
        float,
        typer.Option("--words", help="Mean words per article (lognormal); measured papers had 2.3k-4.6k."),
    ] = 3_000.0,
    article_words_sd: Annotated[float, typer.Option("--words-sd", help="Its standard deviation.")] = 1_500.0,
    processing_mean: Annotated[
        float | None,
        typer.Option(
            help="Seconds per request (lognormal mean) instead of the length model, any instance type."
        ),
    ] = None,
    processing_sd: Annotated[
        float | None, typer.Option(help="Its standard deviation (default: half the mean).")
    ] = None,
    measure_engine_time: Annotated[
        bool,
        typer.Option(
            "--measure-engine",
            help="Processing time of the offline engine (model/code/inference.py) measured on this machine.",
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
    parameter_overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--parameter-overrides",
            help="Template parameters as `sam deploy` takes them: 'Key=Value Key=Value' (repeatable).",
        ),
    ] = None,
    max_concurrency: Annotated[
        int | None, typer.Option(help="MaxConcurrentInvocationsPerInstance (default: the template's).")
    ] = None,
    min_capacity: Annotated[
        int | None, typer.Option(help="MinInstanceCount (default: the template's).")
    ] = None,
    max_capacity: Annotated[
        int | None, typer.Option(help="MaxInstanceCount (default: the template's).")
    ] = None,
    ttl: Annotated[float | None, typer.Option(help="RequestTTLSeconds (default: the template's).")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="InvocationTimeoutSeconds (default: the template's).")
    ] = None,
    price_per_hour: Annotated[
        float | None,
        typer.Option(help=f"USD per instance-hour (default: the instance type's, {PRICE_SOURCE})."),
    ] = None,
    hold_while_updating: Annotated[
        bool,
        typer.Option(
            help="Assume SageMaker changes no capacity while instances are starting (endpoint Updating)."
        ),
    ] = True,
    p95: Annotated[
        str | None, typer.Option(help="tune: the goal for the 95th percentile time to summary (30m, 2h).")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option(help="tune: at most this many USD for the workload.")
    ] = None,
    template: Annotated[Path | None, typer.Option(help="template.yaml (default: the project's).")] = None,
    plot_path: Annotated[
        Path | None, typer.Option("--plot", help="Draw backlog, instances, completions.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed, for repeatable runs.")] = 7,
) -> None:
    """Simulate SageMaker async inference with autoscaling: instance-hours, cost and time to summary."""
    rng = np.random.default_rng(seed)
    try:
        command = _command(words or [])
        options = ArrivalOptions(command.arrivals, requests, over, rate, duration, idle, command.csv_path)
        overrides = _overrides(
            parameter_overrides or [],
            MaxConcurrentInvocationsPerInstance=max_concurrency,
            MinInstanceCount=min_capacity,
            MaxInstanceCount=max_capacity,
            RequestTTLSeconds=ttl,
            InvocationTimeoutSeconds=timeout,
        )
        if measure_engine_time:
            processing_mean, processing_sd = measure_engine()
        articles = ArticleOptions(article_words, article_words_sd, processing_mean, processing_sd)
        endpoint = template_endpoint(
            template, instance_start_delay=start_delay, parameter_overrides=overrides
        )
        workload = make_workload(options, articles, endpoint, rng)
        if command.tune:
            goal = _goal(p95, max_cost)
            tuner = Tuner(
                workload,
                goal,
                template=template,
                base_overrides=overrides,
                instance_start_delay=start_delay,
                hold_while_updating=hold_while_updating,
                price_per_hour=None if price_per_hour is None else (lambda _: price_per_hour),
            )
            _report_tuning(tuner.run(), workload, goal, plot_path, as_json)
            return
        names = COMPARED if compare else [policy]
        results, elapsed = run_all(
            workload,
            compared_policies(names, always_on=instances, template=endpoint.policy),
            endpoint.capacity,
            price_per_hour=price_per_hour,
            hold_while_updating=hold_while_updating,
        )
    except (WorkloadError, ScalingConfigError, ProcessingModelError, SelectionError) as error:
        raise fail(str(error), EXIT_USAGE) from None
    _report_runs(results, workload, endpoint.capacity.instance_type, start_delay, elapsed, plot_path, as_json)


def _command(words: list[str]) -> Command:
    """`[tune] [burst|poisson|idle|csv PATH]`."""
    tune = bool(words) and words[0] == TUNE
    rest = words[1:] if tune else words
    try:
        arrivals = Arrivals(rest[0]) if rest else Arrivals.burst
    except ValueError:
        raise WorkloadError(f"{rest[0]!r}: use [tune] burst, poisson, idle or csv PATH") from None
    expected = 2 if arrivals is Arrivals.csv else 1
    if arrivals is Arrivals.csv and len(rest) < 2:
        raise WorkloadError("csv arrivals need the path of a CSV file of timestamps")
    if len(rest) > expected:
        raise WorkloadError(f"unexpected {' '.join(rest[expected:])!r}")
    if tune and arrivals is Arrivals.idle:
        raise WorkloadError("tune needs a workload with a latency to meet: burst, poisson or csv PATH")
    csv_path = Path(rest[1]) if arrivals is Arrivals.csv else None
    if csv_path is not None and not csv_path.is_file():
        raise WorkloadError(f"{csv_path} is not a file")
    return Command(tune, arrivals, csv_path)


def _overrides(texts: list[str], **flags: float | None) -> dict[str, str]:
    """`Key=Value` pairs as sam deploy takes them, then the dedicated flags on top."""
    overrides: dict[str, str] = {}
    for pair in " ".join(texts).split():
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise WorkloadError(f"--parameter-overrides: {pair!r} is not Key=Value")
        overrides[key] = value
    overrides.update({key: f"{value:g}" for key, value in flags.items() if value is not None})
    return overrides


def _goal(p95: str | None, max_cost: float | None) -> Goal:
    if p95 is None:
        raise WorkloadError("tune needs a goal: --p95 DURATION (e.g. 30m)")
    return Goal(parse_duration(p95).total_seconds(), max_cost)


def _report_runs(
    results: list[SimulationResult],
    workload: Workload,
    instance_type: str,
    start_delay: float,
    elapsed: float,
    plot_path: Path | None,
    as_json: bool,
) -> None:
    if plot_path:
        plot(results, plot_path)
    if as_json:
        print_json(
            {
                "workload": workload.name,
                "processing": workload.processing,
                "processing_time_s": _spread(workload.processing_times),
                "instance_type": instance_type,
                "elapsed_s": round(elapsed, 3),
                "results": [result.summary() for result in results],
                "plot": str(plot_path) if plot_path else None,
            }
        )
        return
    window = max(result.end_time for result in results)
    console.print(
        f"[bold]{workload.name}[/] · {instance_type} at ${results[0].price_per_hour:.3f}/h "
        f"· billed over the same {_duration(window)}"
    )
    console.print(_table(results))
    console.print(
        f"{workload.processing}; instance start {start_delay:g} s; simulated {len(workload.arrivals):,} "
        f"requests × {len(results)} {'policies' if len(results) > 1 else 'policy'} in {elapsed:.2f} s"
    )
    if plot_path:
        console.print(f"plot: {plot_path}")


def _report_tuning(
    tuning: Tuning, workload: Workload, goal: Goal, plot_path: Path | None, as_json: bool
) -> None:
    chosen = tuning.best or tuning.closest
    if plot_path:
        template = _named(tuning.template.result, "template")
        plot([template, _named(chosen.result, "tuned" if tuning.best else "closest")], plot_path)
    if as_json:
        print_json(
            {
                "workload": workload.name,
                "processing": workload.processing,
                "goal": {"p95_s": goal.p95_seconds, "max_cost_usd": goal.max_cost},
                "template": _trial_json(tuning.template),
                "tuned": _trial_json(tuning.best) if tuning.best else None,
                "closest": None if tuning.best else _trial_json(tuning.closest),
                "settings_simulated": tuning.simulated,
                "elapsed_s": round(tuning.elapsed, 2),
                "plot": str(plot_path) if plot_path else None,
            }
        )
    else:
        goal_text = f"p95 ≤ {_duration(goal.p95_seconds)}"
        if goal.max_cost is not None:
            goal_text += f", cost ≤ ${goal.max_cost:.2f}"
        console.print(
            f"[bold]{workload.name}[/] · goal {goal_text} · {tuning.simulated} settings simulated in "
            f"{tuning.elapsed:.1f} s\n{workload.processing}"
        )
        rows = [("template", tuning.template), ("tuned" if tuning.best else "closest", chosen)]
        console.print(_tuning_table(rows))
        if tuning.best:
            pairs = " ".join(f"{key}={tuning.best.settings[key]}" for key in TUNED_PARAMETERS)
            console.print(f"sam deploy --parameter-overrides {pairs}", soft_wrap=True)
        else:
            console.print("[red]no setting met the goal[/]; the closest is shown")
        if plot_path:
            console.print(f"plot: {plot_path}")
    if not tuning.best:
        raise typer.Exit(EXIT_FAILED)


def _named(result: SimulationResult, name: str) -> SimulationResult:
    return replace(result, policy=name)


def _trial_json(trial: Trial) -> dict:
    return {"parameter_overrides": trial.settings, "meets_goal": trial.meets, **trial.result.summary()}


def _spread(values: np.ndarray) -> dict:
    return (
        {"mean": round(float(values.mean()), 3), "sd": round(float(values.std()), 3)} if len(values) else {}
    )


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


TUNED_PARAMETERS = (
    "InstanceType",
    "MaxInstanceCount",
    "TargetBacklogPerInstance",
    "MaxConcurrentInvocationsPerInstance",
    "ScaleInCooldownSeconds",
    "ScaleOutCooldownSeconds",
)


def _tuning_table(columns: list[tuple[str, Trial]]) -> Table:
    """One column per setting: its parameters, then what the simulation predicts."""
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    table.add_column("", no_wrap=True)
    for name, _ in columns:
        table.add_column(name, justify="right", no_wrap=True)
    for key in TUNED_PARAMETERS:
        table.add_row(key, *(trial.settings[key] for _, trial in columns))
    results = [trial.result for _, trial in columns]
    table.add_row("instance-hours", *(f"{r.instance_hours:.2f}" for r in results), style="bold")
    table.add_row("cost $", *(f"{r.cost:.2f}" for r in results), style="bold")
    for q in (50, 95):
        table.add_row(f"p{q} time to summary", *(_duration(r.percentile(q)) for r in results), style="bold")
    table.add_row("expired", *(f"{r.expired:,}" for r in results))
    return table


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"

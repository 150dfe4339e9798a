"""What `precis simulate` prints: the policies' table, or the template beside the tuned setting."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import typer
from rich import box
from rich.table import Table

from precis.cli.console import EXIT_FAILED, console, print_json
from precis.simulation.plot import plot
from precis.simulation.run import SimulationResult
from precis.simulation.tune import Goal, Trial, Tuning
from precis.simulation.workload import Workload


def report_runs(
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


def report_tuning(
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

"""`precis simulate`: what a scaling policy costs and how long summaries take, before deploying it.

`precis simulate burst|poisson|idle|csv PATH` runs the template's policies (or compares them);
`precis simulate tune burst|poisson|csv PATH --p95 30m` searches the template's parameters for the
cheapest setting that meets the goal and prints it as `sam deploy --parameter-overrides`. Each
workload is a subcommand with its own options; the options every simulation takes (the articles, the
endpoint's setup, the output) are option groups shared by all of them.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer

from precis.cli.console import EXIT_USAGE, fail
from precis.cli.option_groups import with_option_groups
from precis.cli.selection import SelectionError
from precis.cli.simulate_options import (
    Articles,
    Burst,
    CsvPath,
    EndpointSetup,
    Poisson,
    Policies,
    Report,
    TuneGoal,
)
from precis.cli.simulate_report import report_runs, report_tuning
from precis.scaling import ScalingConfigError
from precis.simulation.policies import TemplateEndpoint, template_endpoint
from precis.simulation.processing import ProcessingModelError
from precis.simulation.scenario import (
    ArrivalOptions,
    Arrivals,
    compared_policies,
    make_workload,
    run_all,
)
from precis.simulation.tune import Tuner
from precis.simulation.workload import Workload, WorkloadError

USAGE_ERRORS = (WorkloadError, ScalingConfigError, ProcessingModelError, SelectionError)
PROCESSING_HELP = (
    "Where processing time comes from: each article's length (--words) makes windows of ~700 words and "
    "the map-reduce generate() calls of model/code/precis_summarizer/seq2seq.py (MapBatchSize windows "
    "per call). Seconds per call are fitted to a PEGASUS of pegasus-cnn_dailymail's size measured on one "
    "H200 (fp32, beam 8, every window decoded to 128 tokens, so an upper bound: 2.1 s for one window, "
    "13.8 s for 20), then scaled to the instance type's GPU (T4, A10G, V100) from datasheet bandwidth "
    "and FP32 throughput: modelled, not measured. An instance's concurrent invocations share its GPU, "
    "as two workers on one H200 gave no more papers per minute than one. Details: docs/BENCHMARKS.md."
)

simulate_app = typer.Typer(
    name="simulate",
    help="Simulate SageMaker async inference with autoscaling: instance-hours, cost and time to summary, "
    "for one workload (a subcommand). `tune` searches for the cheapest setting meeting a goal.",
    epilog=PROCESSING_HELP,
    no_args_is_help=True,
)
tune_app = typer.Typer(
    name="tune",
    help="Search the template's parameters for the cheapest setting whose p95 time to summary meets "
    "--p95 (and --max-cost); print it as `sam deploy --parameter-overrides`. Exits 1 and shows the "
    "closest setting when none meets the goal.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    app.add_typer(simulate_app)


BURST_HELP = "A burst: --requests arriving over --over seconds (AWS's write-up: 10,000 in 10 minutes)."
POISSON_HELP = "Poisson arrivals at --rate requests per second for --duration seconds."
CSV_HELP = "Arrivals at the times in a CSV file."


@simulate_app.command("burst", help=BURST_HELP, epilog=PROCESSING_HELP)
@with_option_groups
def run_burst(
    burst: Burst, articles: Articles, setup: EndpointSetup, policies: Policies, report: Report
) -> None:
    _run(burst.arrivals(), articles, setup, policies, report)


@simulate_app.command("poisson", help=POISSON_HELP, epilog=PROCESSING_HELP)
@with_option_groups
def run_poisson(
    poisson: Poisson, articles: Articles, setup: EndpointSetup, policies: Policies, report: Report
) -> None:
    _run(poisson.arrivals(), articles, setup, policies, report)


@simulate_app.command("idle", epilog=PROCESSING_HELP)
@with_option_groups
def run_idle(
    articles: Articles,
    setup: EndpointSetup,
    policies: Policies,
    report: Report,
    after: Annotated[
        float, typer.Option("--after", "--idle", help="Seconds idle before the request.")
    ] = 3600.0,
) -> None:
    """One request after an idle period: does the policy wake an endpoint scaled in to zero?"""
    _run(ArrivalOptions(Arrivals.idle, idle=after), articles, setup, policies, report)


@simulate_app.command("csv", help=CSV_HELP, epilog=PROCESSING_HELP)
@with_option_groups
def run_csv(
    path: CsvPath, articles: Articles, setup: EndpointSetup, policies: Policies, report: Report
) -> None:
    _run(ArrivalOptions(Arrivals.csv, csv_path=path), articles, setup, policies, report)


@tune_app.command("burst", help=BURST_HELP, epilog=PROCESSING_HELP)
@with_option_groups
def tune_burst(
    burst: Burst, goal: TuneGoal, articles: Articles, setup: EndpointSetup, report: Report
) -> None:
    _tune(burst.arrivals(), goal, articles, setup, report)


@tune_app.command("poisson", help=POISSON_HELP, epilog=PROCESSING_HELP)
@with_option_groups
def tune_poisson(
    poisson: Poisson, goal: TuneGoal, articles: Articles, setup: EndpointSetup, report: Report
) -> None:
    _tune(poisson.arrivals(), goal, articles, setup, report)


@tune_app.command("csv", help=CSV_HELP, epilog=PROCESSING_HELP)
@with_option_groups
def tune_csv(path: CsvPath, goal: TuneGoal, articles: Articles, setup: EndpointSetup, report: Report) -> None:
    _tune(ArrivalOptions(Arrivals.csv, csv_path=path), goal, articles, setup, report)


simulate_app.add_typer(tune_app)


def _run(
    arrivals: ArrivalOptions, articles: Articles, setup: EndpointSetup, policies: Policies, report: Report
) -> None:
    """Runs the chosen policies on the workload and prints (or writes) what each cost and took."""
    try:
        endpoint, workload = _workload(arrivals, articles, setup)
        results, elapsed = run_all(
            workload,
            compared_policies(policies.names(), always_on=policies.instances, template=endpoint.policy),
            endpoint.capacity,
            price_per_hour=setup.price_per_hour,
            hold_while_updating=setup.hold_while_updating,
        )
    except USAGE_ERRORS as error:
        raise fail(str(error), EXIT_USAGE) from None
    instance_type = endpoint.capacity.instance_type
    report_runs(
        results, workload, instance_type, setup.start_delay, elapsed, report.plot_path, report.as_json
    )


def _tune(
    arrivals: ArrivalOptions, goal: TuneGoal, articles: Articles, setup: EndpointSetup, report: Report
) -> None:
    """Searches the template's parameters for the cheapest setting meeting the goal, and prints it."""
    price = setup.price_per_hour
    try:
        target = goal.goal()
        _, workload = _workload(arrivals, articles, setup)
        tuner = Tuner(
            workload,
            target,
            template=setup.template,
            base_overrides=setup.overrides(),
            instance_start_delay=setup.start_delay,
            hold_while_updating=setup.hold_while_updating,
            price_per_hour=None if price is None else (lambda _: price),
        )
        tuning = tuner.run()
    except USAGE_ERRORS as error:
        raise fail(str(error), EXIT_USAGE) from None
    report_tuning(tuning, workload, target, report.plot_path, report.as_json)


def _workload(
    arrivals: ArrivalOptions, articles: Articles, setup: EndpointSetup
) -> tuple[TemplateEndpoint, Workload]:
    """The endpoint the template (with the overrides) declares, and the requests it will see."""
    endpoint = template_endpoint(
        setup.template, instance_start_delay=setup.start_delay, parameter_overrides=setup.overrides()
    )
    rng = np.random.default_rng(articles.seed)
    return endpoint, make_workload(arrivals, articles.options(), endpoint, rng)

"""The options of `precis simulate`'s commands, in the groups every workload shares.

`Articles` (how long each request takes), `EndpointSetup` (the template with changes) and `Report`
(plot, JSON) go with every simulation; `Policies` with a run, `TuneGoal` with `tune`; the arrival
options belong to their workload's commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from precis.cli.selection import parse_duration
from precis.simulation.policies import PRICE_SOURCE
from precis.simulation.scenario import ArrivalOptions, Arrivals, ArticleOptions, PolicyName, measure_engine
from precis.simulation.tune import Goal
from precis.simulation.workload import WorkloadError

COMPARED = [PolicyName.template, PolicyName.target_tracking, PolicyName.always_on]
ARTICLES_PANEL = "Articles and processing time"
ENDPOINT_PANEL = "Endpoint (the template, with these changes)"
OUTPUT_PANEL = "Output"


@dataclass(frozen=True)
class Articles:
    """How long each request takes: from article lengths, a given distribution, or the offline engine."""

    words: Annotated[
        float,
        typer.Option(
            help="Mean words per article (lognormal); measured papers had 2.3k-4.6k.",
            rich_help_panel=ARTICLES_PANEL,
        ),
    ] = 3_000.0
    words_sd: Annotated[
        float, typer.Option(help="Its standard deviation.", rich_help_panel=ARTICLES_PANEL)
    ] = 1_500.0
    processing_mean: Annotated[
        float | None,
        typer.Option(
            help="Seconds per request (lognormal mean) instead of the length model, any instance type.",
            rich_help_panel=ARTICLES_PANEL,
        ),
    ] = None
    processing_sd: Annotated[
        float | None,
        typer.Option(help="Its standard deviation (default: half the mean).", rich_help_panel=ARTICLES_PANEL),
    ] = None
    measure_engine_time: Annotated[
        bool,
        typer.Option(
            "--measure-engine",
            help="Processing time of the offline engine (model/code/inference.py) measured on this machine.",
            rich_help_panel=ARTICLES_PANEL,
        ),
    ] = False
    seed: Annotated[
        int,
        typer.Option(
            help="Random seed of arrivals and lengths, for repeatable runs.", rich_help_panel=ARTICLES_PANEL
        ),
    ] = 7

    def options(self) -> ArticleOptions:
        if self.measure_engine_time:
            return ArticleOptions(self.words, self.words_sd, *measure_engine())
        return ArticleOptions(self.words, self.words_sd, self.processing_mean, self.processing_sd)


@dataclass(frozen=True)
class EndpointSetup:
    """The simulated endpoint: the template's, with `--parameter-overrides` and the dedicated flags."""

    template: Annotated[
        Path | None,
        typer.Option(help="template.yaml (default: the project's).", rich_help_panel=ENDPOINT_PANEL),
    ] = None
    parameter_overrides: Annotated[
        list[str] | None,
        typer.Option(
            help="Template parameters as `sam deploy` takes them: 'Key=Value Key=Value' (repeatable).",
            rich_help_panel=ENDPOINT_PANEL,
        ),
    ] = None
    max_concurrency: Annotated[
        int | None,
        typer.Option(
            help="MaxConcurrentInvocationsPerInstance (default: the template's).",
            rich_help_panel=ENDPOINT_PANEL,
        ),
    ] = None
    min_capacity: Annotated[
        int | None,
        typer.Option(help="MinInstanceCount (default: the template's).", rich_help_panel=ENDPOINT_PANEL),
    ] = None
    max_capacity: Annotated[
        int | None,
        typer.Option(help="MaxInstanceCount (default: the template's).", rich_help_panel=ENDPOINT_PANEL),
    ] = None
    ttl: Annotated[
        float | None,
        typer.Option(help="RequestTTLSeconds (default: the template's).", rich_help_panel=ENDPOINT_PANEL),
    ] = None
    timeout: Annotated[
        float | None,
        typer.Option(
            help="InvocationTimeoutSeconds (default: the template's).", rich_help_panel=ENDPOINT_PANEL
        ),
    ] = None
    start_delay: Annotated[
        float,
        typer.Option(
            help="Seconds before a new instance serves (7-9 min measured for HF models).",
            rich_help_panel=ENDPOINT_PANEL,
        ),
    ] = 480.0
    price_per_hour: Annotated[
        float | None,
        typer.Option(
            help=f"USD per instance-hour (default: the instance type's, {PRICE_SOURCE}).",
            rich_help_panel=ENDPOINT_PANEL,
        ),
    ] = None
    hold_while_updating: Annotated[
        bool,
        typer.Option(
            help="Assume SageMaker changes no capacity while instances are starting (endpoint Updating).",
            rich_help_panel=ENDPOINT_PANEL,
        ),
    ] = True

    def overrides(self) -> dict[str, str]:
        """`Key=Value` pairs as sam deploy takes them, then the dedicated flags on top."""
        overrides: dict[str, str] = {}
        for pair in " ".join(self.parameter_overrides or []).split():
            key, separator, value = pair.partition("=")
            if not separator or not key:
                raise WorkloadError(f"--parameter-overrides: {pair!r} is not Key=Value")
            overrides[key] = value
        flags = {
            "MaxConcurrentInvocationsPerInstance": self.max_concurrency,
            "MinInstanceCount": self.min_capacity,
            "MaxInstanceCount": self.max_capacity,
            "RequestTTLSeconds": self.ttl,
            "InvocationTimeoutSeconds": self.timeout,
        }
        overrides.update({key: f"{value:g}" for key, value in flags.items() if value is not None})
        return overrides


@dataclass(frozen=True)
class Report:
    plot_path: Annotated[
        Path | None,
        typer.Option("--plot", help="Draw backlog, instances, completions.", rich_help_panel=OUTPUT_PANEL),
    ] = None
    as_json: Annotated[
        bool, typer.Option("--json", help="Machine-readable output.", rich_help_panel=OUTPUT_PANEL)
    ] = False


@dataclass(frozen=True)
class Policies:
    """Which scaling policies run: the template's alone, another, or three side by side."""

    policy: Annotated[PolicyName, typer.Option(help="The policy to run (ignored with --compare).")] = (
        PolicyName.template
    )
    compare: Annotated[
        bool, typer.Option(help="Run template, target tracking alone and always-on side by side.")
    ] = False
    instances: Annotated[int, typer.Option(help="always-on: how many instances.")] = 5

    def names(self) -> list[PolicyName]:
        return COMPARED if self.compare else [self.policy]


@dataclass(frozen=True)
class TuneGoal:
    p95: Annotated[
        str,
        typer.Option(help="The goal for the 95th percentile time to summary (30m, 2h).", show_default=False),
    ]
    max_cost: Annotated[float | None, typer.Option(help="At most this many USD for the workload.")] = None

    def goal(self) -> Goal:
        return Goal(parse_duration(self.p95).total_seconds(), self.max_cost)


@dataclass(frozen=True)
class Burst:
    requests: Annotated[int, typer.Option(help="How many requests.")] = 10_000
    over: Annotated[float, typer.Option(help="Over how many seconds, evenly.")] = 600.0

    def arrivals(self) -> ArrivalOptions:
        return ArrivalOptions(Arrivals.burst, requests=self.requests, over=self.over)


@dataclass(frozen=True)
class Poisson:
    rate: Annotated[float, typer.Option(help="Requests per second.", show_default=False)]
    duration: Annotated[float, typer.Option(help="Seconds of arrivals.")] = 3600.0

    def arrivals(self) -> ArrivalOptions:
        return ArrivalOptions(Arrivals.poisson, rate=self.rate, duration=self.duration)


CsvPath = Annotated[
    Path,
    typer.Argument(
        metavar="PATH",
        exists=True,
        dir_okay=False,
        help="A CSV of arrival times (a timestamp column: seconds, or ISO times), e.g. a CloudWatch export.",
        show_default=False,
    ),
]

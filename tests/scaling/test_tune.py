"""`precis simulate tune`: the cheapest template parameters that meet a latency goal on a workload."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from precis.cli.main import app
from precis.simulation.policies import template_endpoint
from precis.simulation.scenario import ArrivalOptions, Arrivals, ArticleOptions, make_workload
from precis.simulation.tune import Goal, Tuner

BURST = ["burst", "--requests", "2000", "--over", "300"]


def run(*args: str):
    return CliRunner().invoke(app, ["simulate", *args])


def test_tune_finds_a_setting_that_meets_the_goal_and_prints_what_it_simulated():
    # Given a burst the template's 5 instances cannot finish within 30 minutes at p95
    result = run("tune", *BURST, "--p95", "30m", "--json")

    # Then the tuned setting meets the goal and costs what it says
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["template"]["time_to_summary_s"]["p95"] > 1800
    tuned = report["tuned"]
    assert tuned["meets_goal"] and tuned["time_to_summary_s"]["p95"] <= 1800
    assert tuned["expired"] == tuned["failed"] == 0
    # And the same overrides given back to `precis simulate` predict the same figures
    pairs = " ".join(f"{key}={value}" for key, value in tuned["parameter_overrides"].items())
    again = json.loads(run(*BURST, "--json", "--parameter-overrides", pairs).output)["results"][0]
    assert again["time_to_summary_s"] == tuned["time_to_summary_s"]
    assert again["cost_usd"] == tuned["cost_usd"]


def test_no_simulated_setting_that_meets_the_goal_is_cheaper_than_the_tuned_one():
    endpoint = template_endpoint(None, instance_start_delay=480)
    arrivals = ArrivalOptions(Arrivals.burst, requests=2000, over=300)
    workload = make_workload(arrivals, ArticleOptions(), endpoint, np.random.default_rng(7))

    tuning = Tuner(workload, Goal(1800)).run()

    assert tuning.best is not None
    assert all(t.result.cost >= tuning.best.result.cost for t in tuning.trials if t.meets)
    assert tuning.simulated == len(tuning.trials) > 10


def test_tune_prints_a_sam_deploy_line_next_to_the_template():
    result = run("tune", *BURST, "--p95", "30m")

    assert result.exit_code == 0, result.output
    assert "sam deploy --parameter-overrides InstanceType=" in result.output
    assert "template" in result.output and "tuned" in result.output


def test_an_unreachable_goal_exits_1_and_reports_the_closest_setting():
    # No instance serves before 10 minutes (2 alarm minutes, an 8-minute start): 5 is out of reach
    result = run("tune", *BURST, "--p95", "5m", "--json")

    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["tuned"] is None
    assert report["closest"]["time_to_summary_s"]["p95"] > 300


def test_a_cost_ceiling_below_every_setting_meets_nothing():
    result = run("tune", *BURST, "--p95", "30m", "--max-cost", "0.5", "--json")

    assert result.exit_code == 1
    assert json.loads(result.output)["tuned"] is None

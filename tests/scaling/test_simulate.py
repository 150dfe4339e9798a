"""`precis simulate` on the scenarios that matter: a 10,000-request burst, one request after an idle hour."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from precis.cli.main import app
from precis.scaling import EndpointCapacity, ScalingPolicy
from precis.simulation import Workload, simulate
from precis.simulation.policies import target_tracking_policy, template_policy_and_capacity
from precis.simulation.workload import after_idle, burst, from_csv, lognormal_times

CAPACITY = EndpointCapacity(max_concurrent_invocations=2, instance_start_delay=480, request_ttl=21600)


def fixed(arrivals: np.ndarray, seconds: float = 6.0) -> Workload:
    return Workload("test", arrivals, np.full(len(arrivals), seconds))


def template_policy() -> ScalingPolicy:
    return template_policy_and_capacity(None, instance_start_delay=480)[0]


def test_one_request_after_an_idle_hour_is_served_by_the_template_but_never_by_target_tracking_alone():
    workload = fixed(after_idle(3600))

    ours = simulate(workload, template_policy(), CAPACITY)
    alone = simulate(workload, target_tracking_policy(), CAPACITY)

    # Template: the wake alarm needs 2 minutes, then one instance starts (8 minutes) and serves it
    assert ours.completed == 1
    assert 480 + 60 <= ours.percentile(50) <= 480 + 180 + 6
    assert [a.cause for a in ours.activities] == ["step scaling", "target tracking scale-in"]
    assert ours.final_instances == 0
    # Target tracking alone: one request never exceeds the target of 5 per instance, so it waits out its TTL
    assert (alone.completed, alone.expired) == (0, 1)
    assert alone.activities == []
    assert alone.instance_hours == 0


def test_target_tracking_alone_serves_once_more_than_five_requests_are_queued():
    workload = fixed(burst(6, 1.0, start=3600))

    alone = simulate(workload, target_tracking_policy(), CAPACITY)

    assert alone.completed == 6
    assert alone.activities[0].cause == "target tracking scale-out"


def test_burst_scales_out_to_max_serves_everything_and_scales_back_to_zero():
    rng = np.random.default_rng(1)
    arrivals = burst(10_000, 600)
    workload = Workload("burst", arrivals, lognormal_times(len(arrivals), 6, 3, rng))

    result = simulate(workload, template_policy(), CAPACITY)

    assert (result.completed, result.expired, result.failed) == (10_000, 0, 0)
    assert max(point.instances_in_service for point in result.timeline) == 5
    assert result.timeline[-1].desired == result.final_instances == 0
    assert result.peak_backlog == 10_000


def test_always_on_serves_first_and_costs_the_whole_window():
    workload = fixed(burst(1_000, 600))

    always_on = simulate(workload, ScalingPolicy.always_on(5), CAPACITY, price_per_hour=1.0)
    ours = simulate(workload, template_policy(), CAPACITY, price_per_hour=1.0)

    assert always_on.percentile(50) < ours.percentile(50)
    window = max(always_on.end_time, ours.end_time)
    assert always_on.billed_until(window).instance_hours == 5 * window / 3600
    assert ours.billed_until(window).instance_hours == ours.instance_hours


def test_requests_slower_than_the_invocation_timeout_fail():
    workload = fixed(burst(3, 1), seconds=1000)
    capacity = EndpointCapacity(max_concurrent_invocations=1, instance_start_delay=0, invocation_timeout=900)

    result = simulate(workload, ScalingPolicy.always_on(1), capacity)

    assert (result.completed, result.failed) == (0, 3)


def test_csv_arrivals_accept_seconds_or_iso_timestamps(tmp_path):
    seconds = tmp_path / "seconds.csv"
    seconds.write_text("timestamp\n10\n70\n40\n")
    iso = tmp_path / "iso.csv"
    iso.write_text("2026-01-01T00:00:00Z\n2026-01-01T00:01:30Z\n")

    assert list(from_csv(seconds)) == [0, 30, 60]
    assert list(from_csv(iso)) == [0, 90]


def test_cli_compares_the_three_policies_as_json():
    result = CliRunner().invoke(app, ["simulate", "idle", "--compare", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    by_policy = {entry["policy"]: entry for entry in report["results"]}
    assert set(by_policy) == {"template", "target-tracking", "always-on 5"}
    assert by_policy["template"]["completed"] == 1
    assert by_policy["target-tracking"]["expired"] == 1
    assert by_policy["always-on 5"]["time_to_summary_s"]["max"] < 60


def test_cli_draws_the_plot(tmp_path):
    target = tmp_path / "burst.png"

    result = CliRunner().invoke(app, ["simulate", "burst", "--requests", "500", "--plot", str(target)])

    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\x89PNG")


def test_cli_rejects_poisson_without_a_rate():
    result = CliRunner().invoke(app, ["simulate", "poisson"])

    assert result.exit_code == 2

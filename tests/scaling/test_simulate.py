"""`precis simulate` on the scenarios that matter: a 10,000-request burst, steady Poisson traffic and one
request after an idle hour, each against target tracking alone; and how requests share a GPU."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from precis.cli.main import app
from precis.scaling import EndpointCapacity, ScalingPolicy
from precis.simulation import Workload, simulate
from precis.simulation.policies import target_tracking_policy, template_endpoint
from precis.simulation.run import GiveUp
from precis.simulation.scenario import ArrivalOptions, Arrivals, ArticleOptions, make_workload
from precis.simulation.workload import burst, from_csv, lognormal

CAPACITY = EndpointCapacity(max_concurrent_invocations=2, instance_start_delay=480, request_ttl=21600)


def fixed(arrivals: np.ndarray, seconds: float = 6.0) -> Workload:
    return Workload("test", arrivals, np.full(len(arrivals), seconds))


def template_policy() -> ScalingPolicy:
    return template_endpoint(None, instance_start_delay=480).policy


def against_target_tracking(arrivals: ArrivalOptions, seed: int = 7):
    """The template and target tracking alone on the same workload of research papers, as the CLI runs it."""
    endpoint = template_endpoint(None, instance_start_delay=480)
    workload = make_workload(arrivals, ArticleOptions(), endpoint, np.random.default_rng(seed))
    alone = target_tracking_policy(endpoint.policy.max_capacity)
    return [simulate(workload, p, endpoint.capacity, price_per_hour=0.736) for p in (endpoint.policy, alone)]


def test_a_burst_is_served_at_least_as_fast_as_by_target_tracking_alone_for_no_more_instance_hours():
    # Given the 10,000-request burst over 10 minutes at zero instances
    ours, alone = against_target_tracking(ArrivalOptions(Arrivals.burst))

    # Then the wake starts all five instances a minute before target tracking alone would
    assert [(a.at, a.to_capacity, a.cause) for a in ours.activities[:1]] == [(120.0, 5, "step scaling")]
    assert (alone.activities[0].at, alone.activities[0].to_capacity) == (180.0, 5)
    assert ours.completed == alone.completed == 10_000
    assert ours.percentile(95) <= alone.percentile(95)
    assert ours.percentile(50) <= alone.percentile(50)
    assert ours.instance_hours <= alone.instance_hours


def test_steady_poisson_traffic_costs_no_more_and_waits_no_longer_than_with_target_tracking_alone():
    ours, alone = against_target_tracking(ArrivalOptions(Arrivals.poisson, rate=0.2, duration=7200))

    assert ours.completed == alone.completed == ours.requests
    assert ours.cost <= alone.cost
    assert ours.percentile(95) <= alone.percentile(95)


def test_one_request_after_an_idle_hour_is_served_by_the_template_but_never_by_target_tracking_alone():
    ours, alone = against_target_tracking(ArrivalOptions(Arrivals.idle))

    # Template: the wake alarm needs 2 minutes, then one instance starts (8 minutes) and serves it
    assert ours.completed == 1
    assert ours.percentile(50) <= 600
    causes = [(a.to_capacity, a.cause) for a in ours.activities]
    assert causes == [(1, "step scaling"), (0, "target tracking scale-in")]
    # Target tracking alone: one request never exceeds the target per instance, so it waits out its TTL
    assert (alone.completed, alone.expired, alone.instance_hours) == (0, 1, 0)
    assert alone.activities == []


def test_target_tracking_alone_serves_once_more_than_five_requests_are_queued():
    alone = simulate(fixed(burst(6, 1.0, start=3600)), target_tracking_policy(), CAPACITY)

    assert alone.completed == 6
    assert alone.activities[0].cause == "target tracking scale-out"


def test_a_burst_scales_out_to_max_serves_everything_and_scales_back_to_zero():
    rng = np.random.default_rng(1)
    arrivals = burst(10_000, 600)
    workload = Workload("burst", arrivals, lognormal(len(arrivals), 6, 3, rng))

    result = simulate(workload, template_policy(), CAPACITY)

    assert (result.completed, result.expired, result.failed) == (10_000, 0, 0)
    assert max(point.instances_in_service for point in result.timeline) == 5
    assert result.timeline[-1].desired == result.final_instances == 0
    assert result.peak_backlog == 10_000


def test_concurrent_invocations_share_their_instance_gpu():
    # Given one instance with two slots and two 10-second requests arriving together
    capacity = EndpointCapacity(max_concurrent_invocations=2, instance_start_delay=0)

    together = simulate(fixed(burst(2, 0.001), seconds=10), ScalingPolicy.always_on(1), capacity)

    # Then each runs at half speed: both finish after 20 s, as one GPU does 20 s of work
    assert together.time_to_summary.min() == pytest.approx(20, abs=0.01)
    assert together.time_to_summary.max() == pytest.approx(20, abs=0.01)


def test_a_request_that_ends_frees_its_share_for_the_others():
    # Given a 4 s and a 10 s request sharing one GPU: 8 s for the first (half speed), then full speed
    capacity = EndpointCapacity(max_concurrent_invocations=2, instance_start_delay=0)
    workload = Workload("pair", np.array([0.0, 0.0]), np.array([4.0, 10.0]))

    result = simulate(workload, ScalingPolicy.always_on(1), capacity)

    assert sorted(result.time_to_summary) == pytest.approx([8.0, 14.0])


def test_a_run_gives_up_once_its_latency_goal_is_out_of_reach_and_not_before():
    workload = fixed(burst(2_000, 300), seconds=6)

    hopeless = simulate(workload, template_policy(), CAPACITY, give_up=GiveUp(1800))
    reachable = simulate(workload, template_policy(), CAPACITY, give_up=GiveUp(4 * 3600))
    complete = simulate(workload, template_policy(), CAPACITY)

    # Five instances need about 40 minutes for 2,000 six-second requests: 30 minutes at p95 cannot be met
    assert hopeless.gave_up and hopeless.end_time < complete.end_time
    assert hopeless.completed < 2_000
    assert not reachable.gave_up
    assert (reachable.end_time, reachable.completed) == (complete.end_time, complete.completed)


def test_requests_slower_than_the_invocation_timeout_fail():
    workload = fixed(burst(3, 1), seconds=1000)
    capacity = EndpointCapacity(max_concurrent_invocations=1, instance_start_delay=0, invocation_timeout=900)

    result = simulate(workload, ScalingPolicy.always_on(1), capacity)

    assert (result.completed, result.failed) == (0, 3)


def test_always_on_serves_first_and_costs_the_whole_window():
    workload = fixed(burst(1_000, 600))

    always_on = simulate(workload, ScalingPolicy.always_on(5), CAPACITY, price_per_hour=1.0)
    ours = simulate(workload, template_policy(), CAPACITY, price_per_hour=1.0)

    assert always_on.percentile(50) < ours.percentile(50)
    window = max(always_on.end_time, ours.end_time)
    assert always_on.billed_until(window).instance_hours == 5 * window / 3600
    assert ours.billed_until(window).instance_hours == ours.instance_hours


def test_csv_arrivals_accept_seconds_or_iso_timestamps(tmp_path):
    seconds = tmp_path / "seconds.csv"
    seconds.write_text("timestamp\n10\n70\n40\n")
    iso = tmp_path / "iso.csv"
    iso.write_text("2026-01-01T00:00:00Z\n2026-01-01T00:01:30Z\n")

    assert list(from_csv(seconds)) == [0, 30, 60]
    assert list(from_csv(iso)) == [0, 90]


def run(*args: str):
    return CliRunner().invoke(app, ["simulate", *args])


def test_cli_compares_the_three_policies_as_json():
    result = run("idle", "--compare", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    by_policy = {entry["policy"]: entry for entry in report["results"]}
    assert set(by_policy) == {"template", "target-tracking", "always-on 5"}
    assert by_policy["template"]["completed"] == 1
    assert by_policy["target-tracking"]["expired"] == 1
    assert by_policy["always-on 5"]["time_to_summary_s"]["max"] < 60
    assert "T4" in report["processing"]


def test_cli_processing_time_follows_the_instance_type_and_map_batch():
    def mean_seconds(*overrides: str) -> float:
        result = run("burst", "--requests", "200", "--json", "--parameter-overrides", " ".join(overrides))
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["processing_time_s"]["mean"]

    t4 = mean_seconds("InstanceType=ml.g4dn.xlarge")
    a10g = mean_seconds("InstanceType=ml.g5.xlarge")
    t4_batch_4 = mean_seconds("InstanceType=ml.g4dn.xlarge", "MapBatchSize=4")

    assert a10g < t4 < t4_batch_4


def test_cli_draws_the_plot(tmp_path):
    target = tmp_path / "burst.png"

    result = run("burst", "--requests", "500", "--plot", str(target))

    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "args",
    [
        ["poisson"],
        ["csv"],
        ["storm"],
        ["tune", "idle", "--p95", "30m"],
        ["tune", "burst"],
        ["tune", "burst", "--p95", "soon"],
        ["burst", "--parameter-overrides", "MaxInstanceCount"],
        ["burst", "--parameter-overrides", "NoSuchParameter=1"],
        ["burst", "--parameter-overrides", "InstanceType=ml.c5.xlarge"],
    ],
)
def test_cli_usage_errors_exit_2_with_the_reason(args):
    result = run(*args)

    assert result.exit_code == 2, result.output

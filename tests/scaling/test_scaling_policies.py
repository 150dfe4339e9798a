"""CloudWatch alarm evaluation and Application Auto Scaling decisions, one minute at a time."""

from __future__ import annotations

import pytest

from precis.scaling import (
    AlarmSpec,
    Autoscaler,
    MinuteMetrics,
    ScalingConfigError,
    ScalingPolicy,
    StepAdjustment,
    StepScaling,
    TargetTracking,
)
from precis.scaling.alarm import AlarmState, MetricAlarm
from precis.scaling.metric_math import MetricMath
from precis.template import load_stack
from precis.template.scaling import endpoint_capacity, scaling_policy

WAKE_ALARM = AlarmSpec("HasBacklogWithoutCapacity", 1, "GreaterThanOrEqualToThreshold", 60, 2, 2)
TEMPLATE_LIKE = ScalingPolicy(
    min_capacity=0,
    max_capacity=5,
    target_tracking=TargetTracking(5, scale_out_cooldown=120, scale_in_cooldown=120),
    step_scaling=StepScaling(WAKE_ALARM, cooldown=120),
    name="template-like",
)
TRACKING_ALONE = ScalingPolicy(
    0, 5, TargetTracking(5, scale_out_cooldown=300, scale_in_cooldown=600), name="target-tracking"
)


def minute(number: int, backlog: int, instances: int) -> MinuteMetrics:
    return MinuteMetrics(
        minute_end=60.0 * number, backlog=backlog, instances=instances, age_of_oldest_request=0
    )


def run_minutes(scaler: Autoscaler, first: int, count: int, backlog: int, instances: int, *, desired=None):
    """Feeds identical minutes; returns the activities performed (desired follows them, nothing starts)."""
    desired = instances if desired is None else desired
    activities = []
    for number in range(first, first + count):
        activity = scaler.evaluate(minute(number, backlog, instances), desired=desired, updating=False)
        if activity:
            activities.append(activity)
            desired = activity.to_capacity
    return activities


def test_alarm_needs_m_of_the_last_n_datapoints():
    alarm = MetricAlarm(AlarmSpec("HasBacklogWithoutCapacity", 1, "GreaterThanOrEqualToThreshold", 60, 3, 2))

    states = [alarm.observe(value) for value in (1, 0, 1, 0, 0)]

    assert states == [
        AlarmState.INSUFFICIENT_DATA,
        AlarmState.OK,
        AlarmState.ALARM,
        AlarmState.OK,
        AlarmState.OK,
    ]


def test_alarm_with_a_longer_period_averages_its_minutes():
    alarm = MetricAlarm(AlarmSpec("ApproximateBacklogSize", 10, "GreaterThanThreshold", 120, 1, 1))

    assert alarm.observe(30) is AlarmState.INSUFFICIENT_DATA
    assert alarm.observe(0) is AlarmState.ALARM


def test_bad_alarm_settings_are_rejected():
    with pytest.raises(ScalingConfigError):
        AlarmSpec("HasBacklogWithoutCapacity", 1, "GreaterThanOrEqualToThreshold", 90, 2, 2)
    with pytest.raises(ScalingConfigError):
        AlarmSpec("HasBacklogWithoutCapacity", 1, "GreaterThanOrEqualToThreshold", 60, 2, 3)


def test_step_policy_wakes_a_zero_instance_endpoint_after_two_minutes_of_backlog():
    scaler = Autoscaler(TEMPLATE_LIKE)

    activities = run_minutes(scaler, 1, 3, backlog=1, instances=0)

    assert [(a.at, a.from_capacity, a.to_capacity, a.cause) for a in activities] == [
        (120.0, 0, 1, "step scaling")
    ]


def test_target_tracking_alone_does_not_scale_from_zero_for_a_backlog_at_or_below_target():
    scaler = Autoscaler(TRACKING_ALONE)

    assert run_minutes(scaler, 1, 60, backlog=5, instances=0) == []


def test_target_tracking_scales_out_after_three_minutes_above_target():
    scaler = Autoscaler(TRACKING_ALONE)

    activities = run_minutes(scaler, 1, 4, backlog=6, instances=0)

    assert [(a.at, a.to_capacity, a.cause) for a in activities] == [(180.0, 2, "target tracking scale-out")]


def test_largest_proposal_wins_and_max_capacity_clamps_it():
    # Given a large backlog at zero instances: the step proposes 1, target tracking proposes 2000 -> 5
    scaler = Autoscaler(TEMPLATE_LIKE)

    activities = run_minutes(scaler, 1, 3, backlog=10_000, instances=0)

    assert [(a.to_capacity, a.cause) for a in activities] == [
        (1, "step scaling"),
        (5, "target tracking scale-out"),
    ]


def test_no_capacity_change_while_instances_are_starting():
    scaler = Autoscaler(TEMPLATE_LIKE)
    for number in (1, 2):
        scaler.evaluate(minute(number, 1000, 0), desired=1, updating=True)

    assert scaler.evaluate(minute(3, 1000, 0), desired=1, updating=True) is None
    activity = scaler.evaluate(minute(4, 1000, 1), desired=1, updating=False)
    assert (activity.to_capacity, activity.cause) == (5, "target tracking scale-out")


def test_scale_in_waits_for_fifteen_minutes_below_ninety_percent_of_target():
    scaler = Autoscaler(TEMPLATE_LIKE)

    activities = run_minutes(scaler, 1, 20, backlog=0, instances=3)

    assert [(a.at, a.from_capacity, a.to_capacity) for a in activities] == [(900.0, 3, 0)]


def test_no_scale_in_during_a_scale_out_cooldown():
    scaler = Autoscaler(TEMPLATE_LIKE)
    run_minutes(scaler, 1, 15, backlog=0, instances=2)  # low alarm already in ALARM at minute 15
    out = run_minutes(scaler, 16, 3, backlog=100, instances=2)
    assert out and out[0].cause == "target tracking scale-out"

    # While the low alarm needs 15 fresh minutes, the scale-out cooldown would block it anyway
    during_cooldown = scaler.evaluate(minute(20, 0, 5), desired=5, updating=False)

    assert during_cooldown is None


def test_scale_in_never_goes_below_min_capacity():
    policy = ScalingPolicy(2, 5, TargetTracking(5, 60, 60))
    scaler = Autoscaler(policy)

    activities = run_minutes(scaler, 1, 20, backlog=0, instances=4)

    assert [a.to_capacity for a in activities] == [2]


def test_always_on_never_scales():
    scaler = Autoscaler(ScalingPolicy.always_on(5))

    assert run_minutes(scaler, 1, 30, backlog=10_000, instances=5) == []


def test_policies_and_capacity_read_from_the_template():
    stack = load_stack()

    policy = scaling_policy(stack)
    capacity = endpoint_capacity(stack, instance_start_delay=480)

    assert (policy.min_capacity, policy.max_capacity) == (0, 5)
    assert policy.target_tracking.metric_name == "ApproximateBacklogSizePerInstance"
    assert policy.target_tracking.target_value == 8
    wake = policy.step_scaling
    assert isinstance(wake.alarm.metric, MetricMath)
    assert wake.alarm.metric.ids == {
        "without_capacity": "HasBacklogWithoutCapacity",
        "backlog": "ApproximateBacklogSize",
    }
    assert (wake.alarm.evaluation_periods, wake.alarm.datapoints_to_alarm) == (2, 2)
    assert (wake.adjustment_type, wake.metric_aggregation) == ("ExactCapacity", "Maximum")
    assert len(wake.steps) == 20
    assert capacity.max_concurrent_invocations >= 1
    assert capacity.instance_type.startswith("ml.")


def template_policy(**overrides: str) -> ScalingPolicy:
    return scaling_policy(load_stack(parameter_overrides=overrides))


@pytest.mark.parametrize(
    ("backlog", "instances"),
    [(1, 1), (5, 1), (6, 2), (11, 3), (25, 5), (10_000, 5)],
)
def test_the_template_wakes_from_zero_with_the_instances_the_backlog_needs(backlog, instances):
    # Given the template's policies with 5 per instance, at most 5 instances, and an idle endpoint
    scaler = Autoscaler(template_policy(TargetBacklogPerInstance="5"))

    # When the backlog waits two minutes with no instance in service
    activities = run_minutes(scaler, 1, 2, backlog=backlog, instances=0)

    # Then the wake starts ceil(backlog / 5) instances at once, clamped to MaxCapacity
    assert [(a.at, a.from_capacity, a.to_capacity, a.cause) for a in activities] == [
        (120.0, 0, instances, "step scaling")
    ]


@pytest.mark.parametrize(("backlog", "instances"), [(60, 12), (61, 16), (320, 64), (321, 100), (5_000, 100)])
def test_above_twelve_instances_the_wake_rounds_up_to_its_steps_within_max_capacity(backlog, instances):
    scaler = Autoscaler(template_policy(MaxInstanceCount="100", TargetBacklogPerInstance="5"))

    [activity] = run_minutes(scaler, 1, 2, backlog=backlog, instances=0)

    assert activity.to_capacity == instances


def test_the_wake_re_invoked_every_minute_while_instances_start_asks_for_nothing_more():
    # Given the wake started 3 instances that are still starting (the endpoint is Updating)
    scaler = Autoscaler(template_policy(TargetBacklogPerInstance="5"), hold_while_updating=False)
    run_minutes(scaler, 1, 2, backlog=11, instances=0)

    # When the alarm stays in ALARM for six more minutes with the same backlog and nothing in service
    later = run_minutes(scaler, 3, 6, backlog=11, instances=0, desired=3)

    # Then setting the same exact count changes nothing, even with no hold while updating
    assert later == []


def test_the_wake_ignores_a_backlog_served_by_an_instance():
    scaler = Autoscaler(template_policy())

    assert run_minutes(scaler, 1, 5, backlog=3, instances=1) == []


def test_a_larger_step_during_the_cooldown_adds_only_the_difference():
    # Given AWS's cooldown example: a step of +2, then a more aggressive step of +3 within the cooldown
    alarm = AlarmSpec("ApproximateBacklogSize", 10, "GreaterThanOrEqualToThreshold", 60, 1, 1)
    steps = (StepAdjustment(2, 0, 100), StepAdjustment(3, 100, None))
    scaler = Autoscaler(ScalingPolicy(0, 20, step_scaling=StepScaling(alarm, steps, cooldown=300)))

    first = run_minutes(scaler, 1, 1, backlog=50, instances=4)
    during = run_minutes(scaler, 2, 1, backlog=500, instances=4, desired=6)
    after = run_minutes(scaler, 8, 1, backlog=500, instances=7, desired=7)

    # Then the previous +2 counts as part of the capacity: only 1 more; after the cooldown, +3 again
    assert [(a.from_capacity, a.to_capacity) for a in first + during + after] == [(4, 6), (6, 7), (7, 10)]


def test_step_bounds_below_the_threshold_include_their_upper_end():
    below = StepAdjustment(-1, None, 0)
    above = StepAdjustment(1, 0, None)

    assert below.contains(-0.5) and below.contains(-3) and not below.contains(0)
    assert above.contains(0) and not above.contains(-0.1)


@pytest.mark.parametrize(
    "steps",
    [
        (StepAdjustment(1, 0, 2), StepAdjustment(2, 3, None)),  # gap
        (StepAdjustment(1, 0, 2), StepAdjustment(2, 1, None)),  # overlap
        (StepAdjustment(1, None, None),),
    ],
)
def test_step_intervals_with_a_gap_or_an_overlap_are_rejected(steps):
    with pytest.raises(ScalingConfigError):
        StepScaling(WAKE_ALARM, steps)


@pytest.mark.parametrize(
    ("treat", "states"),
    [
        ("notBreaching", [AlarmState.ALARM, AlarmState.OK]),
        ("breaching", [AlarmState.ALARM, AlarmState.ALARM]),
        ("missing", [AlarmState.ALARM, AlarmState.ALARM]),
    ],
)
def test_a_missing_datapoint_counts_as_treat_missing_data_says(treat, states):
    spec = AlarmSpec("ApproximateBacklogSize", 1, "GreaterThanOrEqualToThreshold", 60, 1, 1, treat)
    alarm = MetricAlarm(spec)

    assert [alarm.observe(5), alarm.observe(None)] == states


def test_an_alarm_on_a_metric_the_model_does_not_publish_is_rejected():
    with pytest.raises(ScalingConfigError, match="CPUUtilization"):
        AlarmSpec("CPUUtilization", 50)

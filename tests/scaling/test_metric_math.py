"""CloudWatch metric math as the model evaluates it for an alarm, one datapoint per metric and minute."""

from __future__ import annotations

import pytest

from precis.scaling.metric_math import MetricMath, MetricMathError

METRICS = (("backlog", "ApproximateBacklogSize"), ("without_capacity", "HasBacklogWithoutCapacity"))


def evaluate(expression: str, **values: float | None) -> float | None:
    return MetricMath(expression, METRICS).evaluate(values)


@pytest.mark.parametrize(
    ("backlog", "without_capacity", "expected"),
    [(1, 1, 1.0), (6, 1, 2.0), (11, 1, 3.0), (11, 0, 0.0)],
)
def test_the_wake_expression_is_the_instance_count_without_capacity(backlog, without_capacity, expected):
    expression = "without_capacity * (1 + (backlog - 1) / 5)"

    assert evaluate(expression, backlog=backlog, without_capacity=without_capacity) == expected


def test_power_binds_tighter_than_multiplication_as_in_cloudwatch():
    assert evaluate("2 * backlog ^ 2 + 1", backlog=3, without_capacity=0) == 19.0


def test_if_fill_and_abs():
    assert evaluate("IF(backlog > 2, ABS(-backlog), 0)", backlog=3, without_capacity=0) == 3.0
    assert evaluate("IF(backlog > 2, ABS(-backlog), 0)", backlog=1, without_capacity=0) == 0.0
    assert evaluate("FILL(without_capacity, 0) + backlog", backlog=4, without_capacity=None) == 4.0


def test_a_division_by_zero_or_a_missing_metric_gives_no_datapoint():
    assert evaluate("backlog / without_capacity", backlog=4, without_capacity=0) is None
    assert evaluate("backlog + without_capacity", backlog=4, without_capacity=None) is None


@pytest.mark.parametrize(
    "expression",
    [
        "backlog ** 2",
        "backlog AND without_capacity",
        "SEARCH(backlog)",
        "backlog.real",
        "'text'",
        "other + 1",
    ],
)
def test_expressions_outside_the_subset_or_naming_unknown_ids_are_rejected(expression):
    with pytest.raises(MetricMathError):
        MetricMath(expression, METRICS)


def test_ids_must_start_with_a_lowercase_letter():
    with pytest.raises(MetricMathError, match="lowercase"):
        MetricMath("Backlog + 1", (("Backlog", "ApproximateBacklogSize"),))

"""CloudWatch metric math for alarms, on one datapoint per metric and minute.

The subset an alarm of this project can use: numbers, metric ids, + - * / and ^ (power), parentheses,
ABS(x), FILL(x, value) and IF(condition, a, b) with the comparisons > >= < <= == !=. A datapoint the
expression cannot produce (a division by zero, a missing metric without FILL) is missing, as in
CloudWatch, and the alarm's TreatMissingData decides what it means.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

_ID = re.compile(r"[a-z][A-Za-z0-9_]*")
_ARITHMETIC: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_COMPARISONS: dict[type, Callable[[float, float], bool]] = {
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_FUNCTIONS = {"ABS": 1, "FILL": 2, "IF": 3}


class MetricMathError(ValueError):
    """An expression outside the supported subset, or one naming a metric id it was not given."""


@dataclass(frozen=True)
class MetricMath:
    """An expression over metric ids, each id standing for one metric of the endpoint."""

    expression: str
    metrics: tuple[tuple[str, str], ...]
    _tree: ast.Expression = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for metric_id, _ in self.metrics:
            if not _ID.fullmatch(metric_id):
                raise MetricMathError(f"metric id {metric_id!r} must start with a lowercase letter")
        tree = _parse(self.expression)
        calls = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        named = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in calls}
        unknown = ", ".join(sorted(named - set(self.ids)))
        if unknown:
            raise MetricMathError(f"{self.expression!r} uses ids with no metric: {unknown}")
        object.__setattr__(self, "_tree", tree)

    @property
    def ids(self) -> dict[str, str]:
        return dict(self.metrics)

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        """The expression's datapoint given each id's datapoint (None when that metric has none)."""
        return _evaluate(self._tree.body, values)


def _parse(expression: str) -> ast.Expression:
    if "**" in expression:
        raise MetricMathError(f"cannot parse metric math {expression!r}")
    try:
        # CloudWatch writes a power as a ^ b, which binds tighter than * as Python's ** does.
        tree = ast.parse(expression.strip().replace("^", "**"), mode="eval")
    except SyntaxError:
        raise MetricMathError(f"cannot parse metric math {expression!r}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in _FUNCTIONS or len(node.args) != _FUNCTIONS[name] or node.keywords:
                raise MetricMathError(f"unsupported call in {expression!r}; use {', '.join(_FUNCTIONS)}")
        elif isinstance(node, ast.Constant) and (type(node.value) not in (int, float)):
            raise MetricMathError(f"{node.value!r} in {expression!r} is not a number")
        elif not isinstance(node, _ALLOWED):
            raise MetricMathError(f"unsupported syntax {type(node).__name__} in {expression!r}")
    return tree


_ALLOWED = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.USub,
    ast.UAdd,
    ast.Compare,
    ast.Constant,
    ast.Name,
    ast.Load,
    *_ARITHMETIC,
    *_COMPARISONS,
)


def _evaluate(node: ast.AST, values: Mapping[str, float | None]) -> float | None:  # noqa: C901 - one branch per node
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values.get(node.id)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        return None if operand is None else (-operand if isinstance(node.op, ast.USub) else operand)
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        if left is None or right is None:
            return None
        try:
            return float(_ARITHMETIC[type(node.op)](left, right))
        except (ZeroDivisionError, OverflowError):
            return None
    if isinstance(node, ast.Compare):
        return _compare(node, values)
    # _parse let through only numeric constants and calls by a name in _FUNCTIONS.
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    name, args = node.func.id, node.args
    if name == "ABS":
        value = _evaluate(args[0], values)
        return None if value is None else abs(value)
    if name == "FILL":
        value = _evaluate(args[0], values)
        return _evaluate(args[1], values) if value is None else value
    condition = _evaluate(args[0], values)
    if condition is None:
        return None
    return _evaluate(args[1] if condition else args[2], values)


def _compare(node: ast.Compare, values: Mapping[str, float | None]) -> float | None:
    left = _evaluate(node.left, values)
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = _evaluate(right_node, values)
        if left is None or right is None:
            return None
        if not _COMPARISONS[type(op)](left, right):
            return 0.0
        left = right
    return 1.0

"""DynamoDB's wire shapes: plain values as attribute values and back, and the expressions of an
UpdateItem with the attribute names and values they use."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values → DynamoDB attribute values."""
    return {name: _serializer.serialize(value) for name, value in values.items()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values → plain values (numbers as int)."""
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _mentions(expression: str, placeholder: str) -> bool:
    """Whether a #name or :value placeholder occurs in an expression as a whole token."""
    return re.search(re.escape(placeholder) + r"(?![A-Za-z0-9_])", expression) is not None


def update_arguments(
    values: dict[str, Any],
    *,
    condition: str,
    names: dict[str, str],
    condition_values: dict[str, Any],
    if_absent: dict[str, Any] | None = None,
    counters: tuple[str, ...] = (),
    remove: tuple[str, ...] = (),
) -> dict[str, Any]:
    """UpdateItem's UpdateExpression, ConditionExpression, ExpressionAttributeNames and -Values: SET
    `values` in their order (None values skipped), SET `if_absent` only where missing, add one to each of
    `counters` (from 0), REMOVE `remove`, all under `condition`. Every attribute goes through an
    expression attribute name (status, collection… are reserved words); `names` and `condition_values`
    are the placeholders `condition` uses. Only the placeholders the expressions mention are sent."""
    names = dict(names)
    attribute_values = dict(condition_values)
    assignments = []
    for n, (name, value) in enumerate((k, v) for k, v in values.items() if v is not None):
        names[f"#s{n}"], attribute_values[f":s{n}"] = name, value
        assignments.append(f"#s{n} = :s{n}")
    for n, (name, value) in enumerate((k, v) for k, v in (if_absent or {}).items() if v is not None):
        names[f"#a{n}"], attribute_values[f":a{n}"] = name, value
        assignments.append(f"#a{n} = if_not_exists(#a{n}, :a{n})")
    for n, name in enumerate(counters):
        names[f"#c{n}"] = name
        attribute_values.update({":zero": 0, ":one": 1})
        assignments.append(f"#c{n} = if_not_exists(#c{n}, :zero) + :one")
    expression = "SET " + ", ".join(assignments)
    if remove:
        names.update({f"#r{n}": name for n, name in enumerate(remove)})
        expression += " REMOVE " + ", ".join(f"#r{n}" for n in range(len(remove)))
    used = expression + " " + condition
    return {
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeNames": {k: v for k, v in names.items() if _mentions(used, k)},
        "ExpressionAttributeValues": to_item(
            {k: v for k, v in attribute_values.items() if _mentions(used, k)}
        ),
    }

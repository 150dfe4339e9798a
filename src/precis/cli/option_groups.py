"""Option groups for typer commands: options that travel together, declared once as a dataclass.

Typer reads a command's options from its parameters, one by one, so options several commands share
(which stack; how a simulated endpoint is set up) would be declared again in every signature.
`with_option_groups` lets a command take such a dataclass instead: typer sees the dataclass's fields
(each annotated with its `typer.Option`) as the command's options, and the command receives them
rebuilt as one value. The command's own parameters come first in `--help`, the groups' after.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

KEYWORD_ONLY = inspect.Parameter.KEYWORD_ONLY


def is_option_group(annotation: object) -> bool:
    return isinstance(annotation, type) and dataclasses.is_dataclass(annotation)


def with_option_groups(command: Callable[..., None]) -> Callable[..., None]:
    """`command` with each parameter typed by a dataclass spread into that dataclass's options."""
    signature = inspect.signature(command, eval_str=True)
    groups: dict[str, type] = {}
    own: list[inspect.Parameter] = []
    spread: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if not is_option_group(parameter.annotation):
            own.append(parameter.replace(kind=KEYWORD_ONLY))
            continue
        group = parameter.annotation
        groups[parameter.name] = group
        hints = typing.get_type_hints(group, include_extras=True)
        for field in dataclasses.fields(group):
            # A field without a default is a required option.
            default = inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
            spread.append(
                inspect.Parameter(field.name, KEYWORD_ONLY, annotation=hints[field.name], default=default)
            )
    names = [parameter.name for parameter in own + spread]
    duplicated = {name for name in names if names.count(name) > 1}
    if duplicated:
        raise TypeError(f"{command.__name__}: options declared twice: {', '.join(sorted(duplicated))}")

    @functools.wraps(command)
    def run(**values: Any) -> None:
        for name, group in groups.items():
            fields = {field.name: values.pop(field.name) for field in dataclasses.fields(group)}
            values[name] = group(**fields)
        command(**values)

    parameters = own + spread
    # typer reads a command's parameters from __signature__, which functions do not declare to mypy.
    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    return run

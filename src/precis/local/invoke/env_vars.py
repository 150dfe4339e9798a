"""SAM's `--env-vars` file and the order in which a function's variables take their values.

The file is a JSON object: `Parameters` holds values for every function, an object under a function's
logical id (or its function name) values for that function alone. As in `sam local invoke`:
- only the variables the template declares for the function are set from it (the others are ignored,
  and named in a warning here, where SAM drops them silently);
- a declared variable takes, from lowest to highest: the template's value, the caller's shell
  environment, the file's `Parameters`, the file's entry for the function;
- values become strings: true/false for booleans, "" for null, lists and objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

GLOBAL_KEY = "Parameters"


class EnvVarsError(ValueError):
    """The env-vars file cannot be read or is not SAM's shape; the message says why."""


@dataclass(frozen=True)
class ResolvedVariables:
    values: dict[str, str]
    """Every declared variable with its value."""
    ignored: tuple[str, ...]
    """Names the file sets that the template does not declare for the function (not set)."""


def read_env_vars(path: Path) -> dict[str, dict[str, object]]:
    """The file's objects by key (`Parameters`, logical ids, function names)."""
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise EnvVarsError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise EnvVarsError(f"{path} is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise EnvVarsError(f"{path}: expected a JSON object of objects (Parameters or a function's id)")
    for key, values in document.items():
        if not isinstance(values, dict):
            raise EnvVarsError(f"{path}: {key!r} should map variable names to values, not {values!r}")
    return document


def file_overrides(env_vars: Mapping[str, Mapping[str, object]], logical_id: str, name: str) -> dict:
    """What the file sets for one function: `Parameters`, then its own entry (logical id first) over it."""
    overrides = dict(env_vars.get(GLOBAL_KEY, {}))
    for key in (logical_id, name):
        if key in env_vars:
            overrides.update(env_vars[key])
            break
    return overrides


def resolve_variables(
    declared: Mapping[str, object], shell: Mapping[str, str], overrides: Mapping[str, object]
) -> ResolvedVariables:
    """The declared variables' values: template < shell < file (overrides from `file_overrides`)."""
    values = {}
    for name, value in declared.items():
        if name in shell:
            value = shell[name]
        if name in overrides:
            value = overrides[name]
        values[name] = env_string(value)
    return ResolvedVariables(values, tuple(sorted(set(overrides) - set(declared))))


def env_string(value: object) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if value is None or isinstance(value, dict | list | tuple):
        return ""
    return str(value)

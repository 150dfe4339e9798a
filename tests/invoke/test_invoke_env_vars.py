"""SAM's env-vars file: which value a function's variable takes (template < shell < Parameters < function)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from precis.local.invoke.env_vars import EnvVarsError, file_overrides, read_env_vars, resolve_variables

DECLARED = {"TABLE": "from-template"}

# (shell, env-vars file, the value TABLE takes): every source present or absent, one at a time and together.
PRECEDENCE = [
    ({}, {}, "from-template"),
    ({"TABLE": "from-shell"}, {}, "from-shell"),
    ({}, {"Parameters": {"TABLE": "from-parameters"}}, "from-parameters"),
    ({"TABLE": "from-shell"}, {"Parameters": {"TABLE": "from-parameters"}}, "from-parameters"),
    ({}, {"Submit": {"TABLE": "from-function"}}, "from-function"),
    ({}, {"Parameters": {"TABLE": "from-parameters"}, "Submit": {"TABLE": "from-function"}}, "from-function"),
    (
        {"TABLE": "from-shell"},
        {"Parameters": {"TABLE": "from-parameters"}, "Submit": {"TABLE": "from-function"}},
        "from-function",
    ),
    # by function name when the logical id has no entry; the logical id wins when both have one
    ({}, {"precis-Submit-ABC": {"TABLE": "from-name"}}, "from-name"),
    (
        {},
        {"precis-Submit-ABC": {"TABLE": "from-name"}, "Submit": {"TABLE": "from-function"}},
        "from-function",
    ),
    # another function's entry does not apply
    ({}, {"Record": {"TABLE": "other-function"}}, "from-template"),
    ({}, {"Parameters": {"TABLE": "from-parameters"}, "Record": {"TABLE": "x"}}, "from-parameters"),
]


@pytest.mark.parametrize(("shell", "file", "expected"), PRECEDENCE)
def test_precedence(shell: dict, file: dict, expected: str) -> None:
    overrides = file_overrides(file, "Submit", "precis-Submit-ABC")
    assert resolve_variables(DECLARED, shell, overrides).values == {"TABLE": expected}


def test_only_declared_variables_are_set_and_the_others_are_named() -> None:
    file = {"Parameters": {"TABLE": "t", "EXTRA": "e"}, "Submit": {"OTHER": "o"}}
    resolved = resolve_variables(DECLARED, {"UNRELATED_SHELL": "s"}, file_overrides(file, "Submit", "n"))
    assert resolved.values == {"TABLE": "t"}
    assert resolved.ignored == ("EXTRA", "OTHER")


@pytest.mark.parametrize(
    ("value", "text"), [(True, "true"), (False, "false"), (None, ""), ([1], ""), (5, "5")]
)
def test_values_become_strings_as_sam_makes_them(value: object, text: str) -> None:
    assert resolve_variables(DECLARED, {}, {"TABLE": value}).values == {"TABLE": text}


@pytest.mark.parametrize(
    ("content", "problem"),
    [("{not json", "is not JSON"), ("[1, 2]", "expected a JSON object"), ('{"Submit": 3}', "should map")],
)
def test_a_bad_file_is_a_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "env.json"
    path.write_text(content)
    with pytest.raises(EnvVarsError, match=problem):
        read_env_vars(path)


def test_the_repository_env_file_reads() -> None:
    env = read_env_vars(Path(__file__).parents[2] / "events" / "env.json")
    assert json.dumps(env)
    assert set(env) == {"SubmitFunction", "RecordFunction", "ReconcileFunction", "AnalyticsFunction"}

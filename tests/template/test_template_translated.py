"""template.yaml as the SAM transform turns it into CloudFormation (scripts/translate_sam.py, run with
aws-sam-translator at the version the SAM CLI of `make validate` uses): what SAM adds is checked here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from precis import paths

FUNCTIONS = ["SubmitFunction", "RecordFunction", "ReconcileFunction"]


def translate(tmp_path_factory, *parameters: str) -> dict:
    output = tmp_path_factory.mktemp("translated") / "template.json"
    root = paths.project_root()
    command = [
        sys.executable,
        str(root / "scripts" / "translate_sam.py"),
        str(paths.template_path()),
        "--output",
        str(output),
        *(f"--parameter={p}" for p in parameters),
    ]
    subprocess.run(command, check=True, capture_output=True, text=True, cwd=root, timeout=120)
    return json.loads(output.read_text())["Resources"]


@pytest.fixture(scope="module")
def untraced(tmp_path_factory) -> dict:
    return translate(tmp_path_factory)


@pytest.fixture(scope="module")
def traced(tmp_path_factory) -> dict:
    return translate(tmp_path_factory, "TracingMode=Active")


def _xray_policies(resources: dict, function: str) -> list[str]:
    arns = resources[f"{function}Role"]["Properties"]["ManagedPolicyArns"]
    return [arn for arn in arns if "Xray" in json.dumps(arn)]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_without_tracing_no_function_gets_the_xray_policy_or_a_tracing_config(untraced, function):
    assert _xray_policies(untraced, function) == []
    assert "TracingConfig" not in untraced[function]["Properties"]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_with_tracing_each_function_traces_and_may_write_to_xray(traced, function):
    assert len(_xray_policies(traced, function)) == 1
    assert traced[function]["Properties"]["TracingConfig"] == {"Mode": {"Ref": "TracingMode"}}

"""What `precis local invoke` starts a template function with: the stack's wiring locally, a profile's
credentials against AWS, the template's layer directories."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from precis import paths
from precis.local.invoke.function import InvokeError, aws_target, local_target, prepare_function

TEMPLATE = paths.template_path()


def test_against_the_local_stack_the_function_gets_the_stacks_environment() -> None:
    target = local_target("precis-local", "us-east-1", "http://127.0.0.1:4566", "http://127.0.0.1:4567", 60.0)
    process = prepare_function(TEMPLATE, "SubmitFunction", target).process
    env = process.environment
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert env["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"] == "http://127.0.0.1:4567"
    assert env["PRECIS_TIME_SCALE"] == "60"
    assert env["SUMMARIES_TABLE"].startswith("precis-local-SummariesTable-")
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == process.name
    assert (process.memory_mb, process.timeout_seconds, process.handler) == (256, 30, "app.lambda_handler")
    assert process.code_dir == TEMPLATE.parent / "functions" / "submit"
    assert process.layer_dirs == (TEMPLATE.parent / "layers" / "core",)


def test_a_function_whose_runtime_is_not_this_python_is_run_with_a_warning(tmp_path: Path) -> None:
    # Given the template (python3.12) and one whose Globals name this interpreter's runtime
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    same = tmp_path / "template.yaml"
    same.write_text(TEMPLATE.read_text().replace("Runtime: python3.12", f"Runtime: {here}"))
    for folder in ("functions", "layers"):
        (tmp_path / folder).symlink_to(TEMPLATE.parent / folder)
    target = local_target("precis-local", "us-east-1", "http://127.0.0.1:4566", "http://127.0.0.1:4567", 60.0)

    # When each prepares the submit function, Then only a differing runtime warns, naming both
    warnings = prepare_function(TEMPLATE, "SubmitFunction", target).warnings
    if here != "python3.12":
        assert f"the function's runtime is python3.12; it runs here on {here}" in " ".join(warnings)
    assert not [w for w in prepare_function(same, "SubmitFunction", target).warnings if "runtime" in w]


def test_against_aws_the_function_gets_the_profiles_credentials_and_no_local_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text("[debug]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    process = prepare_function(TEMPLATE, "RecordFunction", aws_target("debug", "eu-west-1")).process
    env = process.environment
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("AKIDEXAMPLE", "secret")
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert "AWS_ENDPOINT_URL" not in env
    assert process.arn.startswith("arn:aws:lambda:eu-west-1:")


def test_a_profile_that_does_not_exist_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    with pytest.raises(InvokeError, match="nope"):
        aws_target("nope", "us-east-1")

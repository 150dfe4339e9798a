"""`precis local invoke` through the CLI, on a template of small functions: the response on stdout, Lambda's
lines on stderr, and how an error, a timeout, memory over MemorySize, an exit and a broken import end."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

PRECIS = Path(sys.executable).with_name("precis")

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Colour: {Type: String, Default: from-template}
Globals:
  Function:
    Runtime: python3.12
    CodeUri: fn
    Timeout: 1
    MemorySize: 128
    Layers: [!Ref Library]
    Environment:
      Variables:
        GREETING: from-template
        COLOUR: !Ref Colour
Resources:
  Library:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: library}
  Ok: {Type: AWS::Serverless::Function, Properties: {Handler: handlers.ok}}
  Fails: {Type: AWS::Serverless::Function, Properties: {Handler: handlers.fails}}
  Slow: {Type: AWS::Serverless::Function, Properties: {Handler: handlers.slow}}
  Hog: {Type: AWS::Serverless::Function, Properties: {Handler: handlers.hog, Timeout: 20}}
  Exits: {Type: AWS::Serverless::Function, Properties: {Handler: handlers.exits}}
  Broken: {Type: AWS::Serverless::Function, Properties: {Handler: missing_module.handler}}
"""

HANDLERS = """
import os
import time

import helper  # from the layer


def ok(event, context):
    print("a line from the handler")
    return {
        "event": event,
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn,
        "greeting": os.environ["GREETING"],
        "colour": os.environ["COLOUR"],
        "undeclared": os.environ.get("UNDECLARED"),
        "layer": helper.VALUE,
    }


def fails(event, context):
    raise KeyError("no such thing")


def slow(event, context):
    time.sleep(30)


def hog(event, context):
    blob = b"x" * (400 * 1024 * 1024)
    time.sleep(15)
    return len(blob)


def exits(event, context):
    os._exit(3)
"""

REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: 128 MB\tMax Memory Used: (?P<used>\d+) MB\tInit Duration: [\d.]+ ms",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("functions")
    (root / "fn").mkdir()
    (root / "fn" / "handlers.py").write_text(HANDLERS)
    (root / "library" / "python").mkdir(parents=True)
    (root / "library" / "python" / "helper.py").write_text("VALUE = 'from the layer'\n")
    path = root / "template.yaml"
    path.write_text(TEMPLATE)
    return path


def run(template: Path, *args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    """`precis local invoke` against AWS's (unreached) region with placeholder credentials."""
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_CONFIG_FILE": str(template.parent / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(template.parent / "none"),
        **(env or {}),
    }
    command = [str(PRECIS), "local", "invoke", *args, "-t", str(template), "--region", "us-east-1"]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, env=environment, timeout=60)


def _split_warnings(stderr: str) -> tuple[list[str], list[str]]:
    """precis's warnings (the lines it prints first), and what the invocation printed after them."""
    lines = stderr.splitlines()
    count = next((n for n, line in enumerate(lines) if not line.startswith("warning: ")), len(lines))
    return lines[:count], lines[count:]


def test_the_response_is_one_json_line_and_the_context_is_lambdas(template: Path) -> None:
    done = run(template, "Ok", "-e", "-", stdin='{"hello": "world"}')
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1
    response = json.loads(done.stdout)
    assert response["event"] == {"hello": "world"}
    assert response["function_name"].startswith("precis-Ok-")
    assert response["arn"].endswith(f":function:{response['function_name']}")
    assert response["memory"] == "128"  # awslambdaric's context: the variable as Lambda sets it
    assert 0 < response["remaining_ms"] <= 1000
    assert (response["greeting"], response["layer"]) == ("from-template", "from the layer")
    request_id = response["request_id"]
    warnings, lines = _split_warnings(done.stderr)
    assert all("runtime is python3.12" in warning for warning in warnings)  # precis's own, before START
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert "a line from the handler" in lines
    assert lines[-2] == f"END RequestId: {request_id}"
    assert REPORT.match(lines[-1]) and REPORT.match(lines[-1])["id"] == request_id


@pytest.mark.parametrize(
    "overrides",
    [("Colour=from-override",), ("ParameterKey=Colour,ParameterValue=from-override",)],
    ids=["key-value", "sam-spelling"],
)
def test_parameter_overrides_set_the_templates_parameters(template: Path, overrides: tuple[str, ...]) -> None:
    done = run(template, "Ok", "--parameter-overrides", *overrides)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["colour"] == "from-override"


def test_a_parameter_override_that_is_not_key_value_is_a_usage_error(template: Path) -> None:
    done = run(template, "Ok", "--parameter-overrides", "Colour")
    assert done.returncode == 2 and "expected Key=Value" in done.stderr


def test_stdout_pipes_into_a_json_parser(template: Path) -> None:
    parser = f"{sys.executable} -c 'import json, sys; print(json.load(sys.stdin)[\"layer\"])'"
    done = subprocess.run(
        f"'{PRECIS}' local invoke Ok -t '{template}' --region us-east-1 | {parser}",
        shell=True,
        capture_output=True,
        text=True,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"},
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "from the layer\n"), done.stderr


def test_an_unhandled_exception_prints_lambdas_error_and_exits_non_zero(template: Path) -> None:
    done = run(template, "Fails")
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert (error["errorType"], error["errorMessage"]) == ("KeyError", "'no such thing'")
    assert any("in fails" in frame for frame in error["stackTrace"])
    assert "[ERROR] KeyError: 'no such thing'" in done.stderr
    assert REPORT.search(done.stderr)


def test_a_handler_past_its_timeout_is_stopped(template: Path) -> None:
    started = time.monotonic()
    done = run(template, "Slow")
    assert time.monotonic() - started < 15  # stopped after 1 s, not the handler's 30
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")
    assert re.search(r"Z [0-9a-f-]{36} Task timed out after 1.00 seconds", done.stderr)
    assert "\tStatus: timeout" in done.stderr


def test_memory_over_memory_size_is_reported_and_stops_the_invocation(template: Path) -> None:
    done = run(template, "Hog")
    assert done.returncode == 1, done.stderr
    error = json.loads(done.stdout)
    assert error["errorType"] == "Runtime.OutOfMemory"
    report = REPORT.search(done.stderr)
    assert report and int(report["used"]) > 128
    assert "\tStatus: error\tError Type: Runtime.OutOfMemory" in done.stderr


def test_a_runtime_that_exits_fails_the_invocation(template: Path) -> None:
    done = run(template, "Exits")
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"].endswith("Runtime exited with error: exit status 3")


def test_a_handler_that_cannot_be_imported_is_an_init_error(template: Path) -> None:
    done = run(template, "Broken")
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "missing_module" in error["errorMessage"]


@pytest.mark.parametrize("function", ["Nope", None])
def test_an_unknown_or_missing_function_lists_the_logical_ids(template: Path, function: str | None) -> None:
    done = run(template, *([function] if function else []))
    assert done.returncode == 2
    assert "Broken, Exits, Fails, Hog, Ok, Slow" in done.stderr
    assert done.stdout == ""


def test_the_env_vars_file_overrides_declared_variables_only(template: Path, tmp_path: Path) -> None:
    env_file = tmp_path / "env.json"
    env_file.write_text(
        json.dumps(
            {
                "Parameters": {"GREETING": "from-parameters", "COLOUR": "from-parameters", "UNDECLARED": "x"},
                "Ok": {"GREETING": "from-function"},
            }
        )
    )
    done = run(template, "Ok", "-n", str(env_file), env={"COLOUR": "from-shell"})
    assert done.returncode == 0, done.stderr
    response = json.loads(done.stdout)
    assert (response["greeting"], response["colour"], response["undeclared"]) == (
        "from-function",
        "from-parameters",
        None,
    )
    assert "warning:" in done.stderr and "UNDECLARED" in done.stderr


def test_a_bad_event_is_a_clear_error(template: Path) -> None:
    done = run(template, "Ok", "-e", "-", stdin="{not json")
    assert done.returncode == 2
    assert "the event is not JSON" in done.stderr

"""Each function of the local stack is wired from template.yaml: its worker, schedules, environment
and execution environments come from the template, never declared by hand."""

from __future__ import annotations

import pytest

from precis import paths
from precis.local.errors import StackError
from precis.local.stack import LocalStack
from precis.local.wiring import rate_seconds, wire_functions
from precis.template import load_stack

AWS = {
    "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
    "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": "http://127.0.0.1:4567",
}


@pytest.fixture(scope="module")
def stack():
    return load_stack()


@pytest.fixture(scope="module")
def wired(stack):
    return wire_functions(stack, 60.0, paths.project_root())


def test_function_configs_follow_the_template(stack, wired) -> None:
    submit = wired["SubmitFunction"].worker

    assert submit.name == stack.outputs["SubmitFunctionName"]
    assert submit.code_dir == str(paths.functions_dir() / "submit")
    assert submit.handler == "app.lambda_handler"
    assert submit.timeout_seconds == 30 and submit.memory_mb == 256
    assert submit.maximum_retry_attempts == 2
    assert submit.on_failure_queue_name == stack.get_att("SubmitDeadLetterQueue", "QueueName")
    assert submit.on_failure_is_destination is True


def test_the_reconcile_schedule_is_its_rate(stack, wired) -> None:
    reconcile = wired["ReconcileFunction"].worker

    assert [s["rate_seconds"] for s in reconcile.schedules] == [
        rate_seconds(stack.parameters["ReconcileSchedule"])
    ]


def test_rates_are_read_and_cron_is_refused() -> None:
    assert rate_seconds("rate(15 minutes)") == 900
    assert rate_seconds("rate(1 hour)") == 3600
    with pytest.raises(StackError, match="rate"):
        rate_seconds("cron(0 * * * ? *)")


def test_a_functions_environment_is_the_templates_plus_lambdas_own_and_the_endpoints(stack, wired) -> None:
    env = wired["SubmitFunction"].environment(AWS)

    assert env["SUMMARIES_TABLE"] == stack.outputs["SummariesTableName"]
    assert env["ENDPOINT_NAME"] == stack.outputs["EndpointName"]
    assert env["INPUT_PREFIX"] == "incoming/"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == stack.outputs["SubmitFunctionName"]
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"] == "http://127.0.0.1:4567"
    assert "OUTPUT_BUCKET" not in env  # RecordFunction's variable, not SubmitFunction's


def test_execution_environments_are_as_requested_without_a_reservation(tmp_path) -> None:
    local = LocalStack(function_concurrency=20, log_dir=tmp_path)

    submit, record = local.functions["SubmitFunction"], local.functions["RecordFunction"]
    assert submit.concurrency(local.function_concurrency) == 20  # SubmitReservedConcurrency 0: none
    assert record.concurrency(local.function_concurrency) == 20


def test_execution_environments_are_capped_by_reserved_concurrency() -> None:
    reserved = load_stack(parameter_overrides={"SubmitReservedConcurrency": "10"})
    wired = wire_functions(reserved, 60.0, paths.project_root())

    assert wired["SubmitFunction"].concurrency(20) == 10  # ReservedConcurrentExecutions
    assert wired["RecordFunction"].concurrency(20) == 20


def test_the_stacks_clock_scales_what_the_functions_wait_for(stack) -> None:
    # Given the stack at 10 simulated seconds per real second
    wired = wire_functions(stack, 10.0, paths.project_root())
    submit, reconcile = wired["SubmitFunction"], wired["ReconcileFunction"]
    template = reconcile.function.environment

    # Then a message whose worker died comes back after the function's timeout and Lambda's first retry
    # delay (30 s + 60 s) on that clock
    assert submit.event_queue_visibility_seconds == 9
    assert submit.worker.visibility_timeout_seconds == 9
    # And every function is told the stack's clock, for the durations it waits out itself (reconcile's
    # age threshold, expiry and backoff); the template's numbers stay as they are
    for function in (submit, reconcile):
        env = function.environment(AWS)
        assert env["PRECIS_TIME_SCALE"] == "10"
        for name in ("REQUEST_TTL_SECONDS", "INVOCATION_TIMEOUT_SECONDS", "RECONCILE_OLDER_THAN_SECONDS"):
            assert env.get(name) == function.function.environment.get(name)
    assert "RECONCILE_OLDER_THAN_SECONDS" in template


def test_at_real_time_nothing_is_scaled(stack) -> None:
    wired = wire_functions(stack, 1.0, paths.project_root())
    reconcile = wired["ReconcileFunction"]

    assert wired["SubmitFunction"].event_queue_visibility_seconds == 30 + 60
    assert reconcile.environment(AWS)["PRECIS_TIME_SCALE"] == "1"

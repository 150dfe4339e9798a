"""Settings are read once and fail loudly, naming every bad or missing value."""

from __future__ import annotations

import pytest
from precis_core.domain.function_settings import (
    ReconcileSettings,
    RecordSettings,
    SubmitSettings,
    tracing_enabled,
)
from precis_core.domain.models import SettingsError


def test_env_json_gives_valid_settings_to_both_functions(events):
    env = events("env.json")
    submit = SubmitSettings.from_env(env["SubmitFunction"])
    assert (submit.input_prefix, submit.max_input_bytes) == ("incoming/", 10485760)
    assert tracing_enabled(env["SubmitFunction"]) is False
    assert (
        RecordSettings.from_env(env["RecordFunction"]).summaries_table
        == env["RecordFunction"]["SUMMARIES_TABLE"]
    )


def test_every_problem_is_named_at_once(events):
    env = events("env.json")["SubmitFunction"]
    env.update(MAX_INPUT_BYTES=str(2 * 1024**3), INVOCATION_TIMEOUT_SECONDS="0", INPUT_PREFIX="incoming")
    del env["SUMMARIES_TABLE"]
    with pytest.raises(SettingsError) as failed:
        SubmitSettings.from_env(env)
    assert str(failed.value) == (
        "submit function settings: SUMMARIES_TABLE is not set; "
        "MAX_INPUT_BYTES=2147483648 is outside 1..16777216; "
        "INVOCATION_TIMEOUT_SECONDS=0 is outside 1..3600; "
        "INPUT_PREFIX='incoming' must end with '/'"
    )


def test_tracing_is_true_or_false_only():
    with pytest.raises(SettingsError, match="PRECIS_TRACING='yes' must be true or false"):
        tracing_enabled({"SUMMARIES_TABLE": "t", "PRECIS_TRACING": "yes"})


def test_reconcile_settings_name_every_problem():
    with pytest.raises(SettingsError) as error:
        ReconcileSettings.from_env({"REQUEST_TTL_SECONDS": "six hours"})

    message = str(error.value)
    assert "SUMMARIES_TABLE is not set" in message
    assert "REQUEST_TTL_SECONDS='six hours'" in message
    assert "INVOCATION_TIMEOUT_SECONDS is not set" in message


def test_the_time_scale_is_one_unless_the_local_stack_sets_it(events):
    env = events("env.json")["ReconcileFunction"]
    assert ReconcileSettings.from_env(env).time_scale == 1.0  # as in AWS, where nothing sets it

    assert ReconcileSettings.from_env({**env, "PRECIS_TIME_SCALE": "60"}).time_scale == 60.0
    submit = events("env.json")["SubmitFunction"]
    assert SubmitSettings.from_env({**submit, "PRECIS_TIME_SCALE": "0.5"}).time_scale == 0.5
    for bad in ("0", "-2", "fast", "inf", "nan"):
        with pytest.raises(SettingsError, match=f"PRECIS_TIME_SCALE='{bad}' is not a positive number"):
            ReconcileSettings.from_env({**env, "PRECIS_TIME_SCALE": bad})

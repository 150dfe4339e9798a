"""Choosing the stack: --stack (AWS), --endpoint-url (local), or the running local stack's state file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from precis.cli.resources import StackTarget, TargetNotChosen, choose_target


def test_stack_name_means_aws():
    assert choose_target("prod-precis", None, "eu-west-1") == StackTarget("prod-precis", "eu-west-1")


def test_endpoint_url_means_the_local_stack_with_its_runtime_on_the_next_port():
    target = choose_target(None, "http://127.0.0.1:4800/", None)

    assert (target.stack_name, target.region) == ("precis-local", "us-east-1")
    assert (target.endpoint_url, target.runtime_url) == ("http://127.0.0.1:4800", "http://127.0.0.1:4801")


def running_stack_state(tmp_path) -> Path:
    """The state file of a running local stack (this process's pid) on ports 4810 and 4811."""
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "endpoint_url": "http://127.0.0.1:4810",
                "endpoint_runtime_url": "http://127.0.0.1:4811",
            }
        )
    )
    return state


def test_a_running_local_stack_is_the_default(tmp_path):
    state = running_stack_state(tmp_path)

    target = choose_target(None, None, None, state_file=state)

    assert (target.endpoint_url, target.runtime_url) == ("http://127.0.0.1:4810", "http://127.0.0.1:4811")


def test_a_stale_state_file_is_not_a_running_stack(tmp_path):
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"pid": 2**22 + 12345, "endpoint_url": "http://127.0.0.1:4810"}))

    with pytest.raises(TargetNotChosen, match="precis local up"):
        choose_target(None, None, None, state_file=state)


@pytest.mark.parametrize(
    ("stack", "url", "message"),
    [
        ("prod", "http://127.0.0.1:4566", "not both"),
        (None, "http://localhost", "explicit port"),
        (None, "127.0.0.1:4810", "the scheme is missing; use http://127.0.0.1:4810"),
    ],
)
def test_ambiguous_or_incomplete_targets_are_usage_errors(stack, url, message):
    with pytest.raises(TargetNotChosen, match=message):
        choose_target(stack, url, None)


def test_the_endpoints_port_given_as_the_stacks_says_which_port_is_which(tmp_path):
    state = running_stack_state(tmp_path)
    with pytest.raises(
        TargetNotChosen,
        match="is the local SageMaker endpoint's port; the stack .moto. is at http://127.0.0.1:4810",
    ):
        choose_target(None, "http://127.0.0.1:4811", None, state_file=state)

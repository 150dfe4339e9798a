"""bench/chaos.py with 100 articles per fault, as a user runs it: each fault injected mid-run into a fresh
local stack, recovered by the stack's supervision and `precis reconcile`, and then every upload settled:
none without a record, none QUEUED, no duplicate record, every well-formed article COMPLETED."""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

from precis import paths

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

ARTICLES = 100
DEADLINE_SECONDS = 240
"""A liveness guard: each of these faults settles in under 30 s on this machine."""


@functools.cache
def chaos(fault: str) -> dict:
    """Runs the benchmark for one fault (once per session); its JSON line."""
    done = subprocess.run(
        [
            sys.executable,
            str(paths.project_root() / "bench" / "chaos.py"),
            "--articles",
            str(ARTICLES),
            "--fault",
            fault,
            "--deadline",
            str(DEADLINE_SECONDS),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS + 300,
    )
    assert done.stdout.strip(), done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "fault",
    [
        "kill-endpoint",
        "kill-submit",
        "kill-record",
        "endpoint-outage",
        "drop-notifications",
        "duplicate-events",
        "poison",
        "kill-moto",
        "kill-stack",
    ],
)
def test_after_the_fault_and_recovery_every_upload_is_settled(fault: str) -> None:
    # Given a fresh stack, When the benchmark runs 100 articles with the fault injected mid-run and recovers
    result = chaos(fault)

    # Then nothing is lost, stuck or doubled, and every well-formed article is summarized
    assert result["missing"] == 0, result
    assert result["queued"] == 0, result
    assert result["duplicates"] == 0, result
    assert result["well_formed"] >= ARTICLES, result
    assert result["well_formed_completed"] == result["well_formed"], result
    assert result["settle_seconds"] is not None, result
    assert result["goal_met"] is True
    # And no event is left in a dead-letter queue (`precis redrive` replays any, changing nothing)
    assert result["dead_letters"] == {}, result


def test_a_killed_endpoint_is_restarted_and_resumes_what_it_had_accepted() -> None:
    # Given the kill-endpoint run above
    result = chaos("kill-endpoint")

    # Then the stack restarted the endpoint once and the new process took over from the journal
    assert result["restarts"] == {"endpoint": 1}, result
    assert result["resumed"] >= 1, result
    assert result["goal_met"] is True, result


def test_duplicated_events_cost_no_second_inference() -> None:
    # Given the duplicate-events run above
    result = chaos("duplicate-events")

    # Then each document was summarized once
    assert result["invocations_per_document"] == 1.0, result
    assert result["goal_met"] is True, result


@pytest.mark.parametrize(
    ("fault", "function"), [("kill-submit", "SubmitFunction"), ("kill-record", "RecordFunction")]
)
def test_every_killed_execution_environment_is_replaced_once(fault: str, function: str) -> None:
    # Given the run above that killed each execution environment of the function
    result = chaos(fault)

    # Then each was restarted once, and nothing else was
    assert result["restarts"], result
    assert all(name.startswith(function) and count == 1 for name, count in result["restarts"].items()), result


def test_hostile_uploads_never_reach_a_dead_letter_queue() -> None:
    # Given the poison run above
    result = chaos("poison")

    # Then every odd upload has its record and none needed a redrive
    assert "no record" not in result["odd_uploads"].values(), result
    assert result["redrive_runs"] == 0, result


@pytest.mark.parametrize("fault", ["kill-moto", "kill-stack"])
def test_after_moto_or_the_whole_stack_is_killed_nothing_summarized_is_summarized_again(fault: str) -> None:
    # Given the run above that killed moto's server (restarted on its data) or every process of the stack
    result = chaos(fault)

    # Then no article COMPLETED before the kill ran through the model again
    assert result["reran_completed"] == 0, result
    assert result["goal_met"] is True, result

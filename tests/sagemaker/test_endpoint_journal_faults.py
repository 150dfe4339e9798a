"""A journal that cannot be written (its disk full) must not wedge the endpoint.

The journal here is the real SQLite journal whose writes fail, while `full` is set, with the error SQLite
raises on a full disk; the endpoint, its API and its instances are real.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from precis.cli.main import app
from precis.local.sagemaker import RequestJournal
from precis.local.state import state_file
from precis.scaling import ScalingPolicy


class FillingJournal(RequestJournal):
    """A journal on a disk that fills up: every write raises SQLITE_FULL while `full` is set."""

    full = False

    def accept(self, request, *, ttl, timeout):
        self._fail_if_full()
        return super().accept(request, ttl=ttl, timeout=timeout)

    def _execute(self, statement: str, parameters: tuple) -> None:
        self._fail_if_full()
        super()._execute(statement, parameters)

    def _fail_if_full(self) -> None:
        if self.full:
            raise sqlite3.OperationalError("database or disk is full")


def invoke(client, location: str, inference_id: str) -> dict:
    return client.invoke_endpoint_async(
        EndpointName="precis-test", InputLocation=location, InferenceId=inference_id
    )


def test_requests_running_while_the_journal_is_full_finish_and_free_their_slots(
    tmp_path, topics, start_endpoint, put_input, runtime_client, notifications, wait_for
):
    # Given an endpoint with two slots whose journal's disk fills up while four requests are accepted
    journal = FillingJournal(tmp_path / "journal.sqlite3")
    endpoint = start_endpoint(ScalingPolicy.always_on(1), concurrency=2, journal=journal)
    client = runtime_client(endpoint)
    location = put_input("inputs/full.json", {"text": "full", "sleep": 0.2})
    ids = [f"full-{number}" for number in range(4)]
    for inference_id in ids:
        invoke(client, location, inference_id)
    journal.full = True

    # When they run (the journal refusing to record them running, stored and notified)
    messages = notifications(topics.success_queue, len(ids), within=60)

    # Then every one completes and gives its slot back, and the status shows the journal's fault
    assert sorted(m["inferenceId"] for m in messages) == ids
    status = endpoint.runtime.status()
    assert status["in_flight"] == 0 and status["backlog"] == 0
    assert status["journal_fault"]["error"] == "database or disk is full"
    assert status["journal_fault"]["waiting_writes"] > 0

    # And once the disk has space the waiting writes reach the journal, the fault clears, and the
    # endpoint takes and runs new requests
    journal.full = False
    invoke(client, location, "after-1")
    [after] = notifications(topics.success_queue, 1, within=30)
    assert after["inferenceId"] == "after-1"
    assert wait_for(lambda: journal.counts()["closed"] == len(ids) + 1)
    assert all(row["runs"] == 1 for row in journal.runs())
    assert endpoint.runtime.status()["journal_fault"] is None


def test_a_request_that_cannot_be_journaled_is_refused_with_an_internal_failure(
    tmp_path, start_endpoint, put_input, runtime_client
):
    # Given an endpoint whose journal's disk is full
    journal = FillingJournal(tmp_path / "journal.sqlite3")
    endpoint = start_endpoint(ScalingPolicy.always_on(1), journal=journal)
    journal.full = True
    location = put_input("inputs/refused-full.json", {"text": "x"})

    # When a request arrives, Then it is refused with a 500 the caller's retries handle, and nothing is queued
    with pytest.raises(ClientError) as caught:
        invoke(runtime_client(endpoint), location, "refused-1")
    assert caught.value.response["Error"]["Code"] == "InternalFailure"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    status = endpoint.runtime.status()
    assert status["accepted"] == 0 and status["backlog"] == 0
    assert status["journal_fault"]["refused_requests"] >= 1


def test_the_journal_full_fault_switch_refuses_requests_until_it_is_cleared(
    start_endpoint, put_input, runtime_client
):
    endpoint = start_endpoint(ScalingPolicy.always_on(1))
    location = put_input("inputs/switch.json", {"text": "x"})
    endpoint.runtime.faults.update({"journal_full": True})

    with pytest.raises(ClientError) as caught:
        invoke(runtime_client(endpoint), location, "switch-1")
    assert "database or disk is full" in caught.value.response["Error"]["Message"]

    endpoint.runtime.faults.update({"journal_full": False})
    assert invoke(runtime_client(endpoint), location, "switch-2")["InferenceId"] == "switch-2"


@pytest.mark.parametrize("where", ["a-file/journal.sqlite3", "/proc/precis-journal/journal.sqlite3"])
def test_an_endpoint_whose_journal_cannot_be_opened_says_so_and_exits(aws, tmp_path, where):
    # Given a journal path in a directory that cannot be written (under a file, or a read-only filesystem)
    (tmp_path / "a-file").write_text("not a directory")
    journal = tmp_path / where

    # When the endpoint module starts on it
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "precis.local.sagemaker", "--port", "0", "--aws-endpoint-url", aws.url]
        + ["--journal", str(journal)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    # Then it exits at once with a line naming the journal, not a traceback
    assert result.returncode == 2
    assert f"cannot open the request journal {journal}" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 60


def test_precis_local_status_shows_a_journal_that_cannot_be_written(
    tmp_path, start_endpoint, put_input, runtime_client, monkeypatch
):
    # Given a running stack's state file naming an endpoint whose journal's disk is full, one request refused
    journal = FillingJournal(tmp_path / "journal.sqlite3")
    endpoint = start_endpoint(ScalingPolicy.always_on(1), journal=journal)
    journal.full = True
    with pytest.raises(ClientError):
        invoke(runtime_client(endpoint), put_input("inputs/status.json", {"text": "x"}), "status-1")
    monkeypatch.setenv("PRECIS_ROOT", str(tmp_path))
    state = {
        "pid": os.getpid(),
        "endpoint_url": "http://127.0.0.1:1",
        "endpoint_runtime_url": endpoint.url,
        "admin_secret": endpoint.admin_secret,
    }
    state_file().parent.mkdir(parents=True)
    state_file().write_text(json.dumps({**state, "processes": {}}))

    # When the user asks for the stack's status
    result = CliRunner().invoke(app, ["local", "status"])

    # Then it says the journal cannot be written, why, and what that cost
    assert result.exit_code == 0, result.output
    assert "journal: cannot be written since" in result.output
    assert "database or disk is full" in result.output
    assert re.search(r"\b[1-9]\d* requests refused", result.output), result.output  # boto3 retried it

"""A process of the local stack that dies is replaced, as Lambda replaces an execution environment and
SageMaker an instance, and nothing it had accepted is lost."""

from __future__ import annotations

import os
import signal

import pytest

pytestmark = pytest.mark.integration


def endpoint_part_way(own_pipeline, name: str) -> str:
    """Twenty articles uploaded to a new collection, the endpoint having finished some and accepted more."""
    collection = own_pipeline.new_collection(name)
    for article, text in own_pipeline.articles(20):
        own_pipeline.upload(f"incoming/{collection}/{article}", text.encode())
    own_pipeline.wait_until(
        lambda: (
            (journal := own_pipeline.endpoint_status()["journal"])["closed"] >= 1
            and journal["queued"] + journal["running"] >= 5
        ),
        "the endpoint to have finished some articles and accepted more",
    )
    return collection


def test_a_killed_endpoint_is_restarted_and_completes_every_article_it_had_accepted(own_pipeline) -> None:
    # Given twenty articles uploaded and the endpoint part-way through them
    stack = own_pipeline.stack
    collection = endpoint_part_way(own_pipeline, "kill-endpoint")
    killed = stack.pids()["endpoint"]

    # When the endpoint is killed
    os.kill(killed, signal.SIGKILL)

    # Then it is restarted once and every article is COMPLETED
    records = own_pipeline.wait_for_records(collection, 20)
    assert len(records) == 20
    assert {r["status"] for r in records} == {"COMPLETED"}, [r.get("failure_reason") for r in records]
    assert stack.supervisor.restarts()["endpoint"] == 1
    assert stack.pids()["endpoint"] != killed
    # And the restarted endpoint took over what the killed one had accepted, from its journal
    status = own_pipeline.endpoint_status()
    assert status["resumed"] >= 1, status
    assert status["journal"]["queued"] + status["journal"]["running"] + status["journal"]["stored"] == 0
    log = (stack.log_dir / "endpoint.log").read_text()
    assert "restart 1 after the previous process was killed by SIGKILL" in log
    assert log.count("precis-endpoint ready on") == 2


def test_killed_function_workers_are_replaced_and_the_pipeline_goes_on(own_pipeline) -> None:
    # Given each function's execution environment
    stack = own_pipeline.stack
    functions = ["SubmitFunction", "RecordFunction"]
    killed = {function: stack.pids()[function] for function in functions}
    restarts = stack.supervisor.restarts()

    # When their processes are killed
    for pid in killed.values():
        os.kill(pid, signal.SIGKILL)

    # Then each is replaced, its log saying why
    own_pipeline.wait_until(
        lambda: all(stack.supervisor.restarts()[f] == restarts[f] + 1 for f in functions),
        "both functions to be restarted",
    )
    for function in functions:
        assert stack.pids()[function] != killed[function]
        assert "was killed by SIGKILL" in (stack.log_dir / f"{function}.log").read_text()
    # And the new workers carry the next article through (a message the killed workers' unfinished long
    # polls still take comes back after the event queue's visibility timeout, on the stack's clock)
    collection = own_pipeline.new_collection("kill-functions")
    [(name, text)] = own_pipeline.articles(1)
    location = own_pipeline.upload(f"incoming/{collection}/{name}", text.encode())
    assert own_pipeline.record_at(location, collection)["status"] == "COMPLETED"


HANG_SECONDS = 5.0
"""The hang time the tests below give the supervisor (the stack's default is 30 real seconds)."""


def journal_rows(stack, collection: str) -> list[dict]:
    """The endpoint's journal rows for the collection (its admin API, with the stack's secret)."""
    journal = stack.endpoint_admin("journal", timeout=5)
    return [r for r in journal["requests"] if f"/{collection}/" in r["input_location"]]


def test_a_stopped_endpoint_is_replaced_without_a_failed_record_or_a_repeated_request(own_pipeline) -> None:
    # Given twenty articles uploaded and the endpoint part-way through them
    stack = own_pipeline.stack
    stack.supervisor.hang_seconds = HANG_SECONDS
    restarts = stack.supervisor.restarts()["endpoint"]
    collection = endpoint_part_way(own_pipeline, "stop-endpoint")
    slots = own_pipeline.endpoint_status()["in_flight"]
    stopped = stack.pids()["endpoint"]

    # When the endpoint process is stopped (SIGSTOP) and never continued
    os.kill(stopped, signal.SIGSTOP)

    # Then the supervisor notices it does not answer /ping, replaces it, and every article is COMPLETED
    records = own_pipeline.wait_for_records(collection, 20)
    assert {r["status"] for r in records} == {"COMPLETED"}, [r.get("failure_reason") for r in records]
    assert stack.supervisor.restarts()["endpoint"] == restarts + 1
    assert "after the previous process hung" in (stack.log_dir / "endpoint.log").read_text()
    # And each article was accepted once; only the runs the stop cut off ran again
    rows = journal_rows(stack, collection)
    assert len(rows) == 20
    assert sum(row["runs"] for row in rows) - len(rows) <= max(slots, 1) + 1


def test_a_stopped_record_worker_is_replaced_and_the_pipeline_goes_on(own_pipeline) -> None:
    # Given the record function's execution environment, stopped (SIGSTOP)
    stack = own_pipeline.stack
    stack.supervisor.hang_seconds = HANG_SECONDS
    restarts = stack.supervisor.restarts()["RecordFunction"]
    stopped = stack.pids()["RecordFunction"]
    os.kill(stopped, signal.SIGSTOP)

    # When an article is uploaded
    collection = own_pipeline.new_collection("stop-record")
    [(name, text)] = own_pipeline.articles(1)
    location = own_pipeline.upload(f"incoming/{collection}/{name}", text.encode())

    # Then the stopped worker is replaced and its replacement records the article
    assert own_pipeline.record_at(location, collection)["status"] == "COMPLETED"
    assert stack.supervisor.restarts()["RecordFunction"] == restarts + 1
    assert stack.pids()["RecordFunction"] != stopped
    assert "after the previous process hung" in (stack.log_dir / "RecordFunction.log").read_text()

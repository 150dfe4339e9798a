"""bench/chaos.py with 100 articles per fault, as a user runs it: each fault injected mid-run into a fresh
local stack, recovered by the stack's supervision and `precis reconcile`, and then every upload settled:
none without a record, none QUEUED, no duplicate record, every well-formed article COMPLETED."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from precis import paths

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

ARTICLES = 100
ALL_DEAD_LETTERS = ("SubmitDeadLetterQueue", "RecordDeadLetterQueue", "ReconcileDeadLetterQueue")
DEADLINE_SECONDS = 240
"""A liveness guard: once its fault has ended, each run settles in under 30 s on this machine."""
RUN_SECONDS = DEADLINE_SECONDS + 600
"""A whole run's guard: uploads, the fault (clock-jump's sleep is 372 s), the settling."""


SHORTER = {
    "journal-disk-full": ("--journal-full-seconds", "10"),
    "hang-endpoint": ("--stop-seconds", "10", "--hang-seconds", "4"),
    "hang-record": ("--stop-seconds", "10", "--hang-seconds", "4"),
    "clock-jump": ("--jump-hours", "6.2"),
}
"""Issue 19's faults, shortened to keep this file within minutes: the disk full 10 s, a process stopped
10 s and replaced after 4 s of silence, a sleep of 6 h 12 min (372 real seconds at the benchmark's 60x,
mostly idle: the runs beside it go on); the benchmark's own lengths (40 s; 60 s and 30 s; 7 h) are in
docs/BENCHMARKS.md. It ran at 60x since merge 34be9e1 dropped chaos.py's --time-scale; at 300x (74 s)
one run in two on a loaded machine ended with the AnalyticsFunction replaced, which this test refuses."""

FAULTS = (
    "kill-endpoint",
    "kill-submit",
    "kill-record",
    "endpoint-outage",
    "drop-notifications",
    "duplicate-events",
    "poison",
    "kill-moto",
    "kill-stack",
    "journal-disk-full",
    "hang-endpoint",
    "hang-record",
    "clock-jump",
)

LONGEST_FIRST = (
    "clock-jump",
    "endpoint-outage",
    "kill-stack",
    "kill-submit",
    "journal-disk-full",
    "kill-moto",
    "kill-record",
    "kill-endpoint",
    "poison",
    "drop-notifications",
    "hang-endpoint",
    "duplicate-events",
    "hang-record",
)
"""Every fault, the longest runs first (31 to 77 s each, clock-jump 409 s, one at a time at load 5-10),
so that the last to start are short and the runs end together."""

AT_ONCE = 4
"""Runs at the same time, each a benchmark process with a stack of its own on free ports. A run mostly
waits (the paced model, the stack's time-scaled clocks, its quiet periods) and uses about half a core, so
four keep two cores busy without starving a stack's liveness checks."""


class ChaosRuns:
    """Every fault's benchmark run, started together in a bounded pool; a test waits for the run it reads.
    Each run happens once per session, whatever the tests that read it."""

    def __init__(self, faults: Sequence[str], at_once: int) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self._closing = False
        self._pool = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="chaos")
        self._runs = {fault: self._pool.submit(self._run, fault) for fault in faults}

    def result(self, fault: str) -> dict:
        """The fault's JSON line (waits for its run; a failed run fails every test that reads it)."""
        return self._runs[fault].result()

    def close(self) -> None:
        """Runs not started are cancelled; running ones get SIGTERM (the benchmark then stops its stack)."""
        with self._lock:
            self._closing = True
            for process in self._running:
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, fault: str) -> dict:
        with self._lock:
            if self._closing:
                raise RuntimeError(f"the {fault} run was not started: the session is ending")
            process = subprocess.Popen(
                _benchmark(fault), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            self._running.add(process)
        try:
            stdout, stderr = process.communicate(timeout=RUN_SECONDS)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise
        finally:
            with self._lock:
                self._running.discard(process)
        assert stdout.strip(), stderr[-3000:]
        return json.loads(stdout.strip().splitlines()[-1])


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM, on which the benchmark stops its stack; SIGKILL if it has not ended a minute later."""
    process.terminate()
    try:
        process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def _benchmark(fault: str) -> list[str]:
    """The benchmark's command line for one fault at 100 articles, its result as JSON."""
    return [
        sys.executable,
        str(paths.project_root() / "bench" / "chaos.py"),
        "--articles",
        str(ARTICLES),
        "--fault",
        fault,
        "--deadline",
        str(DEADLINE_SECONDS),
        "--json",
        *SHORTER.get(fault, ()),
    ]


Chaos = Callable[[str], dict]


@pytest.fixture(scope="module")
def chaos(request: pytest.FixtureRequest) -> Iterator[Chaos]:
    """`chaos(fault)`: that fault's result. The first test of this file starts the run of every fault the
    session's tests here read (each test names its fault as a parameter)."""
    assert sorted(LONGEST_FIRST) == sorted(FAULTS), "every fault runs, once"
    # Every worker running a test of this file would start every run: the file must stay on one worker.
    dist = request.config.getoption("dist", "no")
    assert dist in ("no", "loadfile", "loadscope"), f"--dist {dist} spreads this file's tests"
    wanted = {
        item.callspec.params["fault"]
        for item in request.session.items
        if item.module is sys.modules[__name__]
    }
    runs = ChaosRuns([fault for fault in LONGEST_FIRST if fault in wanted], AT_ONCE)
    try:
        yield runs.result
    finally:
        runs.close()


@pytest.mark.parametrize("fault", FAULTS)
def test_after_the_fault_and_recovery_every_upload_is_settled(fault: str, chaos: Chaos) -> None:
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
    # And no event is left in a dead-letter queue (`precis redrive` replays any, changing nothing), but
    # for the schedule's tick that waited through the sleep: too old, it is dropped as Lambda drops it
    left = {queue: count for queue, count in result["dead_letters"].items() if queue in ALL_DEAD_LETTERS}
    if fault == "clock-jump":
        left.pop("ReconcileDeadLetterQueue", None)
    assert left == {}, result


@pytest.mark.parametrize("fault", ["kill-endpoint"])
def test_a_killed_endpoint_is_restarted_and_resumes_what_it_had_accepted(fault: str, chaos: Chaos) -> None:
    # Given the kill-endpoint run above
    result = chaos(fault)

    # Then the stack restarted the endpoint once and the new process took over from the journal
    assert result["restarts"] == {"endpoint": 1}, result
    assert result["resumed"] >= 1, result
    assert result["goal_met"] is True, result


@pytest.mark.parametrize("fault", ["duplicate-events"])
def test_duplicated_events_cost_no_second_inference(fault: str, chaos: Chaos) -> None:
    # Given the duplicate-events run above
    result = chaos(fault)

    # Then each document was summarized once
    assert result["invocations_per_document"] == 1.0, result
    assert result["goal_met"] is True, result


@pytest.mark.parametrize(
    ("fault", "function"), [("kill-submit", "SubmitFunction"), ("kill-record", "RecordFunction")]
)
def test_every_killed_execution_environment_is_replaced_once(fault: str, function: str, chaos: Chaos) -> None:
    # Given the run above that killed each execution environment of the function
    result = chaos(fault)

    # Then each was restarted once, and nothing else was
    assert result["restarts"], result
    assert all(name.startswith(function) and count == 1 for name, count in result["restarts"].items()), result


@pytest.mark.parametrize("fault", ["poison"])
def test_hostile_uploads_never_reach_a_dead_letter_queue(fault: str, chaos: Chaos) -> None:
    # Given the poison run above
    result = chaos(fault)

    # Then every odd upload has its record and none needed a redrive
    assert "no record" not in result["odd_uploads"].values(), result
    assert result["redrive_runs"] == 0, result


@pytest.mark.parametrize("fault", ["kill-moto", "kill-stack"])
def test_after_moto_or_the_whole_stack_is_killed_nothing_summarized_is_summarized_again(
    fault: str, chaos: Chaos
) -> None:
    # Given the run above that killed moto's server (restarted on its data) or every process of the stack
    result = chaos(fault)

    # Then no article COMPLETED before the kill ran through the model again
    assert result["reran_completed"] == 0, result
    assert result["goal_met"] is True, result


@pytest.mark.parametrize("fault", ["journal-disk-full"])
def test_a_full_journal_refuses_requests_without_wedging_the_endpoint(fault: str, chaos: Chaos) -> None:
    # Given the journal-disk-full run above
    result = chaos(fault)

    # Then nothing restarted, and each document was summarized once
    assert result["restarts"] == {}, result["restart_events"]
    assert result["max_invocations"] == 1, result


@pytest.mark.parametrize(
    ("fault", "process"), [("hang-endpoint", "endpoint"), ("hang-record", "RecordFunction")]
)
def test_a_stopped_process_is_replaced_once_without_failing_anything(
    fault: str, process: str, chaos: Chaos
) -> None:
    # Given the run above that stopped the process (every execution environment of a function)
    result = chaos(fault)

    # Then each stopped process was replaced once, and nothing failed
    assert result["restarts"], result
    assert all(name.startswith(process) and count == 1 for name, count in result["restarts"].items()), result
    assert result["failed"] == 0, result


@pytest.mark.parametrize("fault", ["clock-jump"])
def test_uploads_whose_events_aged_out_in_a_sleep_are_submitted_by_reconcile(
    fault: str, chaos: Chaos
) -> None:
    # Given the clock-jump run above: events waiting in the submit queue through a sleep past their age
    result = chaos(fault)

    # Then they were dead-lettered (redriven afterwards, changing nothing), no process was judged hung,
    # and every upload was summarized once
    assert result["redrive_runs"] >= 1, result
    assert result["restarts"] == {}, result["restart_events"]
    assert result["max_invocations"] == 1, result

"""`precis local logs`: a function's lines from every execution environment's log, by invocation."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from precis.cli.selection import parse_since
from precis.local.invoke.logs import LogsError, follow, log_files, select, split_open_invocation

PRECIS = Path(sys.executable).with_name("precis")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def invocation(request: str, at: str, text: str) -> str:
    return (
        f"START RequestId: {request} Version: $LATEST\n"
        f'{{"level":"INFO","message":"{text}","timestamp":"{at},000+0000"}}\n'
        f"END RequestId: {request}\n"
        f"REPORT RequestId: {request}\tDuration: 1.00 ms\tMemory Size: 256 MB\n"
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    logs = tmp_path / ".precis" / "local" / "logs"
    logs.mkdir(parents=True)
    (logs / "SubmitFunction.log").write_text(
        "precis-function ready: SubmitFunction\n"
        + invocation("r1", "2026-12-06 11:00:00", "queued doc-aaa")
        + invocation("r2", "2026-12-06 11:55:00", "queued doc-bbb")
    )
    (logs / "SubmitFunction-2.log").write_text(
        invocation("r3", "2026-12-06 11:58:00", "queued doc-aaa again")
    )
    (logs / "endpoint.log").write_text("precis-endpoint ready\n")
    return tmp_path


def test_every_execution_environment_and_the_endpoint_have_their_files(root: Path) -> None:
    logs = root / ".precis" / "local" / "logs"
    assert [p.name for p in log_files(logs, "SubmitFunction")] == [
        "SubmitFunction.log",
        "SubmitFunction-2.log",
    ]
    assert [p.name for p in log_files(logs, "endpoint")] == ["endpoint.log"]
    with pytest.raises(LogsError, match="logs there: SubmitFunction, endpoint"):
        log_files(logs, "RecordFunction")


def test_a_document_keeps_the_whole_invocations_that_mention_it(root: Path) -> None:
    lines = (root / ".precis/local/logs/SubmitFunction.log").read_text().splitlines()
    selected = list(select(lines, document="doc-aaa"))
    assert selected[0] == "START RequestId: r1 Version: $LATEST"
    assert selected[-1].startswith("REPORT RequestId: r1")
    assert len(selected) == 4


@pytest.mark.parametrize(
    ("since", "requests"), [("10m", ["r2"]), ("2h", ["r1", "r2"]), ("2026-12-06T11:30:00Z", ["r2"])]
)
def test_since_keeps_the_invocations_after_it(root: Path, since: str, requests: list[str]) -> None:
    lines = (root / ".precis/local/logs/SubmitFunction.log").read_text().splitlines()
    moment = datetime.fromisoformat(str(parse_since(since, NOW)).replace("Z", "+00:00"))
    started = [line.split()[2] for line in select(lines, since=moment) if line.startswith("START")]
    assert started == requests


def precis_logs(root: Path, *args: str) -> subprocess.CompletedProcess:
    """`precis local logs ARGS` in a checkout whose logs are the fixture's."""
    return subprocess.run(
        [str(PRECIS), "local", "logs", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PRECIS_ROOT": str(root)},
        timeout=60,
    )


def test_a_bad_since_is_a_usage_error(root: Path) -> None:
    done = precis_logs(root, "SubmitFunction", "--since", "yesterday-ish")
    assert done.returncode == 2
    assert "use a duration" in done.stderr


def test_follow_yields_the_lines_appended(root: Path) -> None:
    path = root / ".precis/local/logs/endpoint.log"
    batches = follow([path], stop_after=5, interval=0.01)
    assert next(batches) == []
    with path.open("a") as log:
        log.write("precis-endpoint INFO scaling 0 -> 1\npartial")
    assert next(batches) == ["precis-endpoint INFO scaling 0 -> 1"]


def test_an_invocation_still_running_waits_for_its_report() -> None:
    lines = invocation("r1", "2026-12-06 11:00:00", "a").splitlines() + [
        "START RequestId: r2 Version: $LATEST"
    ]
    finished, running = split_open_invocation(lines)
    assert (len(finished), running) == (4, ["START RequestId: r2 Version: $LATEST"])
    assert split_open_invocation(["precis-function ready"]) == (["precis-function ready"], [])


def test_the_command_prints_the_documents_invocations_from_every_environment(root: Path) -> None:
    done = precis_logs(root, "SubmitFunction", "--document", "doc-aaa")
    assert done.returncode == 0, done.stderr
    starts = [line for line in done.stdout.splitlines() if line.startswith("START")]
    assert starts == ["START RequestId: r1 Version: $LATEST", "START RequestId: r3 Version: $LATEST"]

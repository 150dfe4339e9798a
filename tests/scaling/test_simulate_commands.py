"""`precis simulate` as typer subcommands: one per workload, each with its own options and `--help`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from precis.cli.main import app

WIDE = {"COLUMNS": "200"}  # so rich's help tables do not wrap option names


def run(*args: str):
    return CliRunner().invoke(app, ["simulate", *args], env=WIDE)


def commands_listed(help_text: str) -> set[str]:
    """The names in the help's Commands panel."""
    panel = help_text.split("Commands")[1].split("╰")[0]
    rows = [line.removeprefix("│ ") for line in panel.splitlines()[1:]]
    return {row.split()[0] for row in rows if row[:1].strip()}  # a wrapped description starts blank


def test_simulate_help_lists_the_workloads_and_tune():
    result = run("--help")

    assert result.exit_code == 0, result.output
    assert commands_listed(result.output) == {"burst", "poisson", "idle", "csv", "tune"}


def test_tune_help_lists_the_workloads_that_have_a_latency_to_meet():
    result = run("tune", "--help")

    assert result.exit_code == 0, result.output
    assert commands_listed(result.output) == {"burst", "poisson", "csv"}


@pytest.mark.parametrize(
    ("command", "own", "not_own"),
    [
        (["burst"], {"--requests", "--over", "--compare"}, {"--rate", "--p95"}),
        (["poisson"], {"--rate", "--duration", "--compare"}, {"--requests", "--p95"}),
        (["idle"], {"--after", "--compare"}, {"--requests", "--rate"}),
        (["csv"], {"PATH", "--compare"}, {"--requests", "--rate"}),
        (["tune", "burst"], {"--requests", "--p95", "--max-cost"}, {"--compare", "--policy"}),
        (["tune", "poisson"], {"--rate", "--p95"}, {"--compare", "--requests"}),
        (["tune", "csv"], {"PATH", "--p95"}, {"--compare", "--rate"}),
    ],
)
def test_each_subcommand_has_its_own_help(command, own, not_own):
    result = run(*command, "--help")

    assert result.exit_code == 0, result.output
    shared = {"--words", "--processing-mean", "--parameter-overrides", "--max-capacity", "--plot", "--json"}
    for option in own | shared:
        assert option in result.output, option
    for option in not_own:
        assert option not in result.output, option


def test_idle_takes_its_wait_as_after_or_the_former_idle():
    after = json.loads(run("idle", "--after", "900", "--json").output)
    former = json.loads(run("idle", "--idle", "900", "--json").output)

    assert after == {**former, "elapsed_s": after["elapsed_s"]}
    assert after["workload"] == "one request after 15 idle minutes"


def test_csv_runs_and_tunes_on_a_file_of_arrival_times(tmp_path):
    arrivals = tmp_path / "arrivals.csv"
    arrivals.write_text("timestamp\n" + "\n".join(str(second) for second in range(0, 600, 2)) + "\n")

    ran = run("csv", str(arrivals), "--json")
    tuned = run("tune", "csv", str(arrivals), "--p95", "2h", "--json")

    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["results"][0]["completed"] == 300
    assert tuned.exit_code == 0, tuned.output
    assert json.loads(tuned.output)["tuned"]["meets_goal"]


def test_a_csv_path_that_is_not_a_file_is_a_usage_error(tmp_path):
    result = run("csv", str(tmp_path))

    assert result.exit_code == 2
    assert "is a directory" in result.output

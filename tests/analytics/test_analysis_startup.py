"""`precis search`, `trends` and `digest --no-failures` over a DuckDB file make no AWS call, so they do not
import boto3, botocore or moto at all: those imports were 0.15-0.2 s of CPU of a search that should
answer within a second. Each command runs in a fresh interpreter, as a user runs it, and the modules
it loaded are read when it exits."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from planted import write_planted
from summaries_table import summaries_table

AWS_MODULES = ("boto3", "botocore", "moto", "precis.local.stack")
# Runs the CLI as the `precis` program (so main.LAZY picks the command's group) and, at exit, prints
# which of AWS_MODULES were imported as the last line of stderr.
PROBE = (
    "import atexit, json, sys\n"
    f"watched = {AWS_MODULES!r}\n"
    "atexit.register(lambda: print(json.dumps([m for m in watched if m in sys.modules]), file=sys.stderr))\n"
    "sys.argv = ['precis', *sys.argv[1:]]\n"
    "from precis.cli.main import app\n"
    "app()\n"
)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("startup") / "summaries.duckdb"
    connection = summaries_table()
    write_planted(connection)
    connection.execute(f"ATTACH '{path}' AS file")
    connection.execute("CREATE TABLE file.summaries AS SELECT * FROM summaries")
    connection.close()
    return str(path)


def loaded_aws_modules(*args: str) -> tuple[list[str], str]:
    """The AWS modules a `precis` command imported by the time it exited, and its stdout."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


def test_search_over_a_duckdb_file_never_imports_boto3(database, tmp_path):
    index = str(tmp_path / "index")
    modules, out = loaded_aws_modules(
        "search", "quantum battery", "--duckdb", database, "--index", index, "--json"
    )
    assert modules == []
    assert json.loads(out)  # it did search: the planted phrase is found


def test_trends_over_a_duckdb_file_never_imports_boto3(database):
    weeks = ["--since", "2026-10-05", "--until", "2026-11-02"]
    modules, out = loaded_aws_modules(
        "trends", "--duckdb", database, "--collection", "news", *weeks, "--json"
    )
    assert modules == []
    assert json.loads(out)["rising"][0]["term"] == "quantum battery"


def test_a_digest_without_failures_never_imports_boto3(database):
    modules, out = loaded_aws_modules(
        "digest", "--duckdb", database, "--collection", "news", "--since", "7d", "--no-failures"
    )
    assert modules == []
    assert out.startswith("#")

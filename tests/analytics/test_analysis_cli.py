"""`precis trends`, `search` and `digest` end to end over a DuckDB file: JSON for scripts, tables that fit
80 columns for people, user text printed inert, and clear usage errors."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from planted import write_planted
from summaries_table import add, summaries_table
from typer.testing import CliRunner

from precis.cli import console
from precis.cli.main import app

ESC = "\x1b"
WEEKS_SHOWN = ["--since", "2026-10-05", "--until", "2026-11-02"]


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("analytics") / "summaries.duckdb"
    connection = summaries_table()
    write_planted(connection)
    lava = "Lava from the erupting volcano reached the sea and closed the coastal road."
    add(
        connection,
        "evil",
        datetime(2026, 10, 20),
        ["volcano"],
        title=f"{ESC}[2JVolcano [bold]news[/]",
        summary=lava,
    )
    connection.execute(f"ATTACH '{path}' AS file")
    connection.execute("CREATE TABLE file.summaries AS SELECT * FROM summaries")
    connection.close()
    return str(path)


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setattr(console.console, "width", 80)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_trends_json_ranks_the_planted_phrase_first(run, database):
    result = run("trends", "--duckdb", database, "--collection", "news", *WEEKS_SHOWN, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rising"][0]["term"] == "quantum battery" and data["rising"][0]["period"] == "2026-10-19"
    assert [period["documents"] for period in data["periods"]] == [30, 30, 31, 30]


def test_trends_for_people_fits_80_columns_with_sparklines(run, database, tmp_path):
    plot = tmp_path / "trends.png"
    result = run("trends", "--duckdb", database, "--collection", "news", *WEEKS_SHOWN, "--plot", str(plot))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    rising = next(line for line in lines if line.startswith("quantum battery"))
    assert "2026-10-19" in rising and rising.rstrip().endswith("▂▂█▂")
    assert any(line.startswith("dock workers · harbour strike") for line in lines)
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_search_prints_titles_inert_and_json_best_first(run, database, tmp_path):
    index = str(tmp_path / "index")
    result = run("search", "lava flows from a volcano", "--duckdb", database, "--index", index)
    assert result.exit_code == 0, result.output
    assert ESC not in result.output and "Volcano [bold]news[/]" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    found = json.loads(
        run("search", "erupting volcano", "--duckdb", database, "--index", index, "--json").output
    )
    assert found[0]["document_id"] == "evil" and set(found[0]) >= {"document_id", "title", "score", "snippet"}


def test_digest_writes_escaped_html(run, database, tmp_path):
    page = tmp_path / "digest.html"
    result = run(
        "digest",
        "--collection",
        "news",
        "--duckdb",
        database,
        "--format",
        "html",
        "-o",
        str(page),
        "--no-failures",
    )
    assert result.exit_code == 0, result.output
    assert page.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trends", "--since", "last tuesday"], "--since 'last tuesday': use a duration"),
        (["trends", "--by", "year"], "year"),
        (["digest", "--collection", "news", "--since", "soon", "--no-failures"], "is not a duration"),
        (["trends", "--duckdb", "/nonexistent.duckdb"], "no such file"),
    ],
)
def test_bad_input_is_a_usage_error(run, database, args, message):
    if "--duckdb" not in args:
        args = [*args, "--duckdb", database]
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output

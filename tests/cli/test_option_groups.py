"""Option groups: --stack/--endpoint-url/--region declared once (`Target`) and taken by every document
command; a group's options are the command's own options on the command line and in its help."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from precis.cli.main import app
from precis.cli.option_groups import with_option_groups
from precis.cli.stack_options import Target

DOCUMENT_COMMANDS = ("submit", "get", "list", "stats", "watch", "export", "retry", "reconcile", "redrive")


@pytest.mark.parametrize("command", DOCUMENT_COMMANDS)
def test_every_document_command_offers_the_target_options_in_one_panel(command):
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    panel = result.output.split("─ Target ")[1].split("╰")[0]
    for option in ("--stack", "--endpoint-url", "--region"):
        assert option in panel, option


def test_the_target_group_reads_its_environment_variables(seed, cli, stack, monkeypatch):
    # Given the stack chosen by PRECIS_STACK rather than --stack
    record = seed("rising-seas")
    monkeypatch.setenv("PRECIS_STACK", stack)
    # When a document command runs with no target option
    result = cli("get", record.document_id, "--json")
    # Then it read that stack
    assert result.exit_code == 0, result.output
    assert record.document_id in result.output


def test_no_target_at_all_is_explained(aws, cli):
    result = cli("stats")

    assert result.exit_code != 0
    assert "--stack" in result.output and "--endpoint-url" in result.output


def test_a_command_gets_its_group_rebuilt_from_the_options():
    seen: list[Target] = []
    demo = typer.Typer()

    @demo.command()
    @with_option_groups
    def show(target: Target, verbose: Annotated[bool, typer.Option()] = False) -> None:
        seen.append(target)

    result = CliRunner().invoke(demo, ["--stack", "s", "--region", "eu-west-1", "--verbose"], env={})

    assert result.exit_code == 0, result.output
    assert seen == [Target(stack="s", endpoint_url=None, region="eu-west-1")]


def test_an_option_declared_by_the_command_and_its_group_is_refused():
    def clash(target: Target, stack: Annotated[str, typer.Option()] = "") -> None: ...

    with pytest.raises(TypeError, match="options declared twice: stack"):
        with_option_groups(clash)


@dataclass(frozen=True)
class Goal:
    p95: Annotated[str, typer.Option()]


def test_a_group_field_without_a_default_is_a_required_option():
    demo = typer.Typer()

    @demo.command()
    @with_option_groups
    def tune(goal: Goal) -> None: ...

    result = CliRunner().invoke(demo, [])

    assert result.exit_code == 2
    assert "Missing option '--p95'" in result.output

"""`precis <command>` imports only the group holding the command when main.LAZY knows it; anything
else gets every group, so help, errors and tests see the whole app."""

from __future__ import annotations

import subprocess
import sys

import typer.main

from precis.cli.main import GROUPS, LAZY, app, build, groups_for


def test_each_lazily_loaded_command_is_in_the_group_named_for_it():
    whole = typer.main.get_command(app).commands
    for group in set(LAZY.values()):
        alone = typer.main.get_command(build([group])).commands  # a group of commands, not one command
        named = {command for command, owner in LAZY.items() if owner == group}
        assert named <= set(alone), group
        for command in named:
            assert alone[command].callback.__name__ == whole[command].callback.__name__


def test_only_the_precis_program_naming_a_known_command_loads_one_group():
    assert groups_for(["/venv/bin/precis", "search", "storm"], {}) == ("analysis",)
    assert groups_for(["precis", "sql", "SELECT 1"], {}) == ("documents",)
    assert groups_for(["precis", "local", "up"], {}) == GROUPS  # not in LAZY
    assert groups_for(["precis", "--help"], {}) == GROUPS
    assert groups_for(["precis"], {}) == GROUPS
    assert groups_for(["precis", "serch"], {}) == GROUPS  # a typo: the error lists every command
    assert groups_for(["precis", "search"], {"_PRECIS_COMPLETE": "complete_bash"}) == GROUPS
    assert groups_for(["/venv/bin/pytest", "search"], {}) == GROUPS


def test_precis_trends_does_not_import_the_local_stack():
    probe = (
        "import sys; sys.argv = ['precis', 'trends', '--help']; import precis.cli.main; "
        "print('moto' in sys.modules, 'precis.local.stack' in sys.modules, "
        "len(precis.cli.main.app.registered_commands))"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    assert out.split() == ["False", "False", "3"]

"""What users put in keys, titles and JSON fields reaches the terminal as text, never as markup or escapes."""

from __future__ import annotations

import csv
import io
import json
import os
import sys

import pytest
import typer
from precis_core.domain.models import Status

from precis.cli import console
from precis.cli.console import shown
from precis.cli.main import app

ESC = "\x1b"


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ('unknown JSON fields ["[/]"]', 'unknown JSON fields ["\\[/]"]'),  # a closing tag with nothing open
        ("[bold red]not red[/]", "\\[bold red]not red\\[/]"),
        (f"{ESC}[31mred{ESC}[0m title", "red title"),  # SGR colours removed
        (f"{ESC}]0;pwned{ESC}\\ title", " title"),  # OSC window title removed
        (f"{ESC}]8;;http://evil{ESC}\\link", "link"),  # OSC 8 hyperlink removed
        ("bell\x07 and nul\x00", "bell\\x07 and nul\\x00"),  # lone controls made visible
        ("C1 \x9b31m", "C1 \\x9b31m"),  # the one-byte CSI some terminals obey
        ("admin\u202etxt.exe", "admin\\u202etxt.exe"),  # a right-to-left override
        ("two\nlines\tand a tab", "two\nlines\tand a tab"),
        ("Zürich, 東京, emoji 🧪", "Zürich, 東京, emoji 🧪"),
        (None, "None"),
    ],
)
def test_shown_makes_user_text_inert(text, printed):
    assert shown(text) == printed


def test_get_prints_a_reason_with_markup_as_text(seed, cli, stack):
    # Given a failure whose reason quotes a user's JSON field named "[/]" (once a rich MarkupError)
    reason = 'unknown JSON fields ["[/]", "[bold]x"]; accepted: ["text"]'
    record = seed("odd-fields", status=Status.FAILED, reason=reason, title=f"{ESC}[2J{ESC}[31mTitle")

    # When the user looks at it
    result = cli("get", record.document_id, "--stack", stack)

    # Then the reason prints as written and the title's escape sequences do not reach the terminal
    assert result.exit_code == 0, result.output
    assert '"[/]", "[bold]x"' in result.output
    assert ESC not in result.output
    assert "Title" in result.output


def test_list_strips_escape_sequences_from_titles(seed, cli, stack, monkeypatch):
    monkeypatch.setattr(console.console, "width", 160)  # room for the title column
    seed("ansi", title=f"{ESC}[31mRed{ESC}[0m and {ESC}]0;set window title{ESC}\\plain")

    result = cli("list", "--stack", stack)

    assert result.exit_code == 0, result.output
    assert ESC not in result.output
    assert "Red and plain" in result.output


def test_get_prints_a_summary_with_brackets_and_controls_as_text(seed, cli, stack):
    record = seed("brackets", summary="Cells [link=file:///etc/passwd]here[/link] and a bell\x07.")

    result = cli("get", record.document_id, "--stack", stack)

    assert result.exit_code == 0, result.output
    assert "[link=file:///etc/passwd]here[/link]" in result.output
    assert "bell\\x07." in result.output
    assert "\x07" not in result.output


def test_an_error_quoting_user_input_prints_it_as_text(stack, cli):
    result = cli("get", "[/][bold]" + ESC + "[31m", "--stack", stack)

    assert result.exit_code == 1
    assert "[/][bold]" in result.output
    assert ESC not in result.output


HOSTILE_TITLE = f"{ESC}[2J{ESC}]8;;http://evil.example{ESC}\\click{ESC}]8;;{ESC}\\ bell\x07 a\u202etxt.exe"


def exported(stack: str, format: str, monkeypatch, *, terminal: bool) -> str:
    """What `precis export` prints when a shell runs it with stdout on a terminal (a pseudo-terminal, so
    isatty() is true) or on a pipe."""
    reader, writer = os.openpty() if terminal else os.pipe()
    with os.fdopen(writer, "w", encoding="utf-8", newline="") as stream:
        monkeypatch.setattr(sys, "stdout", stream)
        typer.main.get_command(app).main(
            ["export", "--stack", stack, "--format", format], prog_name="precis", standalone_mode=False
        )
    return read_all(reader)


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_export_to_a_terminal_prints_no_control_sequences(seed, stack, format, monkeypatch):
    # Given a record whose title clears the screen, hides a link, rings the bell and reverses text
    seed("hostile", title=HOSTILE_TITLE)

    # When it is exported to a terminal
    printed = exported(stack, format, monkeypatch, terminal=True)

    # Then none of them reaches the screen, and the title's words still do
    for control in (ESC, "\x07", "\u202e"):
        assert control not in printed, format
    assert "click" in printed and "txt.exe" in printed
    if format == "jsonl":  # still one JSON object a line, each the record's data with its escapes
        assert json.loads(printed.splitlines()[0])["title"] == HOSTILE_TITLE


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_export_to_a_pipe_keeps_the_data_as_stored(seed, stack, format, monkeypatch):
    seed("hostile", title=HOSTILE_TITLE)

    printed = exported(stack, format, monkeypatch, terminal=False)

    rows = list(csv.DictReader(io.StringIO(printed))) if format == "csv" else [json.loads(printed)]
    assert rows[0]["title"] == HOSTILE_TITLE


def read_all(fd: int) -> str:
    """What was written to the other end of a pipe or pseudo-terminal (its writer already closed)."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # a pseudo-terminal whose other end closed reports EIO instead of EOF
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8")

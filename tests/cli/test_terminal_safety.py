"""What users put in keys, titles and JSON fields reaches the terminal as text, never as markup or escapes."""

from __future__ import annotations

import pytest
from precis_core.domain.models import Status

from precis.cli import console
from precis.cli.console import shown

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

"""The line `precis local demo` ends with: what the summarized samples are about, from their records."""

from __future__ import annotations

from pathlib import Path

from precis.cli.demo import Tracked, _plain, digest_line


def _record(status: str, phrases: list[str], names: list[str]) -> dict:
    """A record as the demo reads it from DynamoDB (typed attributes, then plain values)."""
    item = {
        "status": {"S": status},
        "key_phrases": {"L": [{"S": phrase} for phrase in phrases]},
        "entities": {"L": [{"M": {"text": {"S": name}, "type": {"S": "PLACE"}}} for name in names]},
    }
    return {key: _plain(value) for key, value in item.items()}


def test_the_digest_names_each_article_s_first_phrase_and_the_names_they_share():
    tracked = [
        Tracked(
            Path("a.md"), "incoming/samples/a.md", _record("COMPLETED", ["heat pump", "boiler"], ["Norway"])
        ),
        Tracked(Path("b.md"), "incoming/samples/b.md", _record("COMPLETED", ["mill"], ["Europe", "Norway"])),
        Tracked(Path("c.md"), "incoming/samples/c.md", _record("COMPLETED", [], ["Europe", "Europe"])),
        Tracked(Path("d.md"), "incoming/samples/d.md", _record("FAILED", ["ignored"], ["Norway"])),
    ]
    assert digest_line(tracked) == (
        "digest of the samples: 3 summaries about heat pump · mill; "
        "named in more than one: Europe (2), Norway (2)"
    )


def test_nothing_summarized_gives_a_bare_count():
    assert (
        digest_line([Tracked(Path("a.md"), "incoming/samples/a.md")]) == "digest of the samples: 0 summaries"
    )

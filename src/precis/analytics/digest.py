"""The period's report for a person: counts, rising phrases with example titles, storylines with one
representative summary each, new names and the failures that need action, as Markdown or HTML.

Deterministic: the same summaries and the same `end` give the same bytes (everything is sorted, no
clock is read here). User text is escaped for the format (HTML entities, Markdown punctuation).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from precis.analytics.periods import trailing_windows
from precis.analytics.trends import Movement, Trends, trends

BASELINE_WINDOWS = 4
TOP = 8
EXAMPLE_TITLES = 2
NEAR_DUPLICATE = 0.5  # word-trigram Jaccard at which two summaries say the same thing
SAME_STORY = 0.5  # Jaccard of two rising terms' example documents for them to share a line
# Inline Markdown and HTML; every line starts with "- **", so line-start marks (#, -, 1.) cannot act.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>!|~])")


@dataclass(frozen=True)
class Failure:
    document_id: str
    title: str
    reason: str
    submitted_at: str


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[tuple[str, str], ...]  # (text, detail) pairs, both user text still raw


@dataclass(frozen=True)
class Digest:
    title: str
    overview: str
    sections: tuple[Section, ...]


def build_digest(
    connection: duckdb.DuckDBPyConnection,
    collection: str,
    length: timedelta,
    end: datetime,
    failures: list[Failure],
) -> Digest:
    """The digest of `[end - length, end)` against the BASELINE_WINDOWS windows of the same length before."""
    periods = trailing_windows(length, end, BASELINE_WINDOWS)
    found = trends(connection, periods, collection=collection, top=TOP)
    documents = found.documents[-1] if found.documents else 0
    before = _documents_before(connection, collection, periods.bounds)
    start = periods.span(periods.count - 1)[0]
    overview = (
        f"{documents} summaries from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC "
        f"({before / BASELINE_WINDOWS:.1f} per {periods.label} before); {len(failures)} failed."
    )
    sections = (
        _rising(connection, found),
        _storylines(connection, found),
        Section("New names", tuple((item.term, f"{item.count} documents") for item in found.new)),
        Section(
            "Failures needing action",
            tuple(
                (failure.title or failure.document_id, f"{failure.document_id}: {failure.reason}")
                for failure in sorted(failures, key=lambda f: (f.submitted_at, f.document_id))
            ),
        ),
    )
    return Digest(title=f"Digest of {collection}", overview=overview, sections=sections)


def _documents_before(connection: duckdb.DuckDBPyConnection, collection: str, bounds: tuple) -> int:
    rows = connection.execute(
        "SELECT count(*) FROM summaries WHERE status = 'COMPLETED' AND collection = ? "
        "AND coalesce(published, submitted_at) >= ? AND coalesce(published, submitted_at) < ?",
        [collection, bounds[0], bounds[-2]],
    ).fetchall()
    return int(rows[0][0])


def _texts(connection: duckdb.DuckDBPyConnection, documents: set[str]) -> dict[str, tuple[str, str]]:
    if not documents:
        return {}
    ordered = sorted(documents)
    marks = ", ".join("?" for _ in ordered)
    rows = connection.execute(
        f"SELECT document_id, coalesce(title, ''), coalesce(summary, '') FROM summaries "
        f"WHERE document_id IN ({marks})",
        ordered,
    ).fetchall()
    return {document: (title, summary) for document, title, summary in rows}


def _rising(connection: duckdb.DuckDBPyConnection, found: Trends) -> Section:
    """One line per rising term, terms whose example documents mostly coincide (one story) on one line."""
    texts = _texts(connection, {d for item in found.rising for d in item.documents})
    groups: list[list[Movement]] = []
    for item in found.rising:
        same = next((group for group in groups if _overlap(group[0].documents, item.documents)), None)
        if same is None:
            groups.append([item])
        else:
            same.append(item)
    lines = []
    for group in groups:
        first = group[0]
        titles = sorted({texts[d][0] for d in first.documents if d in texts and texts[d][0]})
        examples = "; ".join(titles[:EXAMPLE_TITLES])
        detail = f"{first.count} documents, {first.baseline:g} expected" + (
            f": {examples}" if examples else ""
        )
        lines.append((" · ".join(item.term for item in group), detail))
    return Section("Rising", tuple(lines))


def _overlap(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    a, b = set(first), set(second)
    return bool(a and b) and len(a & b) / len(a | b) >= SAME_STORY


def _storylines(connection: duckdb.DuckDBPyConnection, found: Trends) -> Section:
    """One line per storyline with its most central summary; storylines whose representatives are
    near-duplicates are one storyline told twice and are merged."""
    texts = _texts(connection, {story.documents[0] for story in found.storylines if story.documents})
    kept: list[tuple[str, int, str]] = []  # label, documents, summary
    for story in found.storylines:
        summary = texts.get(story.documents[0], ("", ""))[1] if story.documents else ""
        twin = next((i for i, (_, _, other) in enumerate(kept) if near_duplicates(summary, other)), None)
        if twin is None:
            kept.append((story.label, story.size, summary))
        else:
            label, size, other = kept[twin]
            kept[twin] = (label, size + story.size, other)
    lines = tuple((f"{label} ({size} documents)", summary) for label, size, summary in kept)
    return Section("Storylines", lines)


def near_duplicates(first: str, second: str) -> bool:
    """Two texts share most of their word trigrams."""
    a, b = _trigrams(first), _trigrams(second)
    return bool(a and b) and len(a & b) / len(a | b) >= NEAR_DUPLICATE


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(0, len(words) - 2))}


def markdown(digest: Digest) -> str:
    out = [f"# {_md(digest.title)}", "", _md(digest.overview), ""]  # the collection is user text
    for section in digest.sections:
        out += [f"## {section.heading}", ""]
        out += [f"- **{_md(text)}**: {_md(detail)}" for text, detail in section.lines] or ["- none"]
        out.append("")
    return "\n".join(out)


def html_page(digest: Digest) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(digest.title)}</title></head><body>",
        f"<h1>{e(digest.title)}</h1>",
        f"<p>{e(digest.overview)}</p>",
    ]
    for section in digest.sections:
        out.append(f"<h2>{e(section.heading)}</h2>")
        items = [f"<li><strong>{e(text)}</strong>: {e(detail)}</li>" for text, detail in section.lines]
        out.append("<ul>" + "".join(items or ["<li>none</li>"]) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))

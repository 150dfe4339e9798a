"""The sample articles in samples/: the files the demo uploads, and their plain text for tests and benchmarks.

The text is read the way the endpoint reads it (Markdown and HTML rendered, the JSON `text` field), so a
passage cut from an .html sample carries no markup.
"""

from __future__ import annotations

from pathlib import Path

from precis_core.adapters.articles import CONTENT_TYPES
from precis_summarizer.request import parse_request

from precis import paths


def sample_files(directory: Path | None = None) -> list[Path]:
    """Every article in the folder (any supported type), by name; its README is not one."""
    directory = directory or paths.samples_dir()
    return sorted(
        p for p in directory.iterdir() if p.suffix.lower() in CONTENT_TYPES and p.name != "README.md"
    )


def content_type(path: Path) -> str:
    return CONTENT_TYPES[path.suffix.lower()]


def plain_text(path: Path) -> str:
    """The article's text as the endpoint summarizes it."""
    return parse_request(path.read_bytes(), content_type(path)).documents[0]


def passages(min_words: int = 400, directory: Path | None = None) -> list[tuple[str, str]]:
    """Distinct texts of `min_words`+ words: consecutive paragraphs of each sample, as (name.txt, text)."""
    found: list[tuple[str, str]] = []
    for path in sample_files(directory):
        part: list[str] = []
        for paragraph in plain_text(path).split("\n\n"):
            part.append(paragraph)
            if sum(len(p.split()) for p in part) >= min_words:
                found.append((f"{path.stem}-part{len(found) + 1}.txt", "\n\n".join(part)))
                part = []
    return found

"""`precis local logs`: a function's or the endpoint's log lines from the local stack's log files.

The stack's supervisor writes each process's output to `<log dir>/<name>.log`: `<logical id>.log` for a
function's first execution environment, `<logical id>-<n>.log` for the others, `endpoint.log` for the
endpoint. Lines are grouped into invocations (START … REPORT), so filtering by a document id keeps the
whole invocation that mentions it; `--since` reads each line's timestamp (a line without one has its
invocation's, or the last one seen).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ENDPOINT_NAMES = ("endpoint", "SummarizerEndpoint")
_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})")


class LogsError(ValueError):
    """A name with no log; the message says which logs exist."""


def log_files(log_dir: Path, name: str) -> list[Path]:
    """The log files of a function (every execution environment) or of the endpoint."""
    if name in ENDPOINT_NAMES:
        candidates = [log_dir / "endpoint.log"]
    else:
        candidates = [log_dir / f"{name}.log", *sorted(log_dir.glob(f"{name}-[0-9]*.log"))]
    found = [path for path in candidates if path.is_file()]
    if not found:
        known = sorted(
            {
                path.stem.rsplit("-", 1)[0] if path.stem[-1:].isdigit() else path.stem
                for path in log_dir.glob("*.log")
            }
        )
        raise LogsError(f"no log for {name!r} in {log_dir}; logs there: {', '.join(known) or 'none'}")
    return found


def line_time(line: str) -> datetime | None:
    match = _TIMESTAMP.search(line)
    if not match:
        return None
    return datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}").replace(tzinfo=UTC)


@dataclass
class Block:
    """One invocation's lines (START … REPORT), or the lines between invocations."""

    lines: list[str] = field(default_factory=list)
    at: datetime | None = None

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.at = self.at or line_time(line)


def blocks(lines: Iterable[str]) -> Iterator[Block]:
    current = Block()
    for line in lines:
        if line.startswith("START RequestId:") and current.lines:
            yield current
            current = Block()
        current.add(line)
        if line.startswith("REPORT RequestId:"):
            yield current
            current = Block()
    if current.lines:
        yield current


def select(lines: Iterable[str], since: datetime | None = None, document: str | None = None) -> Iterator[str]:
    """The lines of the invocations that mention `document` and started after `since`."""
    last_seen: datetime | None = None
    for block in blocks(lines):
        at = block.at or last_seen
        last_seen = at or last_seen
        if since is not None and (at is None or at < since):
            continue
        if document is not None and not any(document in line for line in block.lines):
            continue
        yield from block.lines


def split_open_invocation(lines: list[str]) -> tuple[list[str], list[str]]:
    """The lines up to the last REPORT, and those of an invocation still running after it (to be
    filtered once its REPORT arrives: the line naming a document may come after its START)."""
    ends = [index for index, line in enumerate(lines) if line.startswith("REPORT RequestId:")]
    cut = ends[-1] + 1 if ends else 0
    if not any(line.startswith("START RequestId:") for line in lines[cut:]):
        cut = len(lines)
    return lines[:cut], lines[cut:]


def read_lines(paths: list[Path]) -> list[str]:
    return [line for path in paths for line in path.read_text(errors="replace").splitlines()]


def follow(paths: list[Path], stop_after: float | None = None, interval: float = 0.5) -> Iterator[list[str]]:
    """New whole lines appended to the files, batch by batch (until `stop_after` seconds, if given)."""
    offsets = {path: path.stat().st_size for path in paths}
    partial = dict.fromkeys(paths, "")
    deadline = None if stop_after is None else time.monotonic() + stop_after
    while deadline is None or time.monotonic() < deadline:
        batch: list[str] = []
        for path in paths:
            size = path.stat().st_size
            if size < offsets[path]:  # the process was restarted and its log started anew
                offsets[path], partial[path] = 0, ""
            with path.open("rb") as log:
                log.seek(offsets[path])
                data = log.read()
            offsets[path] += len(data)
            *complete, partial[path] = (partial[path] + data.decode("utf-8", "replace")).split("\n")
            batch += complete
        yield batch
        time.sleep(interval)

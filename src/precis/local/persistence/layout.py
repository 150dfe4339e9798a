"""The local stack's data directory: what is in it, which version wrote it, who holds it, and whether the
last stack stopped cleanly.

    <data dir>/VERSION.json          {"format": 2, "moto": "5.2.6"}: written once, checked at every start
    <data dir>/moto/                 moto's journal: snapshot-N.log and segment-N.log (persistence.journal)
    <data dir>/endpoint-journal.sqlite3   the local endpoint's requests (precis.local.sagemaker.journal)
    <data dir>/stream-checkpoints/   where the stack's stream event sources are (precis.local.stream_source)
    <data dir>/running.json          the stack that holds the data; left behind when it did not stop cleanly
    <data dir>/lock                  flock'd by the moto server that writes the journal
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from pathlib import Path

import moto

FORMAT = 2
"""Bumped whenever what the journal holds changes shape; data of a format not in READABLE is refused.
2: the records of DynamoDB streams are journaled (persistence.streams)."""
READABLE = (1, 2)
"""Formats this version reads. Data of an older one is marked with FORMAT once read: what this version
adds to it is not readable by the version that wrote it."""
READY = "precis-moto ready"


class IncompatibleData(Exception):
    """The data directory was written by a version this one cannot read."""


def version() -> dict[str, object]:
    """The format, and moto's version: the journal holds moto's own objects."""
    return {"format": FORMAT, "moto": moto.__version__}


def check_version(data_dir: Path) -> None:
    """Writes VERSION.json into a new data directory; IncompatibleData if another version wrote this one."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "VERSION.json"
    try:
        found = json.loads(path.read_text())
    except FileNotFoundError:
        if (data_dir / "moto").exists() and any((data_dir / "moto").iterdir()):
            raise IncompatibleData(f"{data_dir} holds data without a VERSION.json") from None
        path.write_text(json.dumps(version()))
        return
    except ValueError:
        raise IncompatibleData(f"{path} cannot be read") from None
    if found.get("format") in READABLE and found.get("moto") == moto.__version__:
        if found.get("format") != FORMAT:
            path.write_text(json.dumps(version()))
        return
    raise IncompatibleData(
        f"the data in {data_dir} was written by format {found.get('format')} with moto "
        f"{found.get('moto')}; this precis reads formats {', '.join(map(str, READABLE))} with moto "
        f"{moto.__version__}. "
        f"Nothing was loaded. Keep a copy of {data_dir} and start empty with `precis local up --fresh`, "
        f"or run the version that wrote it"
    )


class DataInUse(Exception):
    """Another live moto server writes this data directory."""


def hold(data_dir: Path) -> None:
    """Takes the data directory's lock for the rest of this process (one writer at a time)."""
    descriptor = os.open(data_dir / "lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise DataInUse(f"another moto server (another local stack) writes {data_dir}") from None


def running(data_dir: Path) -> dict | None:
    """The stack that holds the data (its pid and start time), or the last one if it did not stop
    cleanly; None after a clean stop."""
    with contextlib.suppress(OSError, ValueError):
        return json.loads((data_dir / "running.json").read_text())
    return None


def mark_running(data_dir: Path, pid: int) -> None:
    """Records that the stack `pid` holds the data, until `mark_stopped`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "running.json").write_text(json.dumps({"pid": pid, "started_at": time.time()}))


def mark_stopped(data_dir: Path) -> None:
    (data_dir / "running.json").unlink(missing_ok=True)


def size_bytes(data_dir: Path) -> int:
    """The bytes the data takes on disk."""
    total = 0
    for root, _, files in os.walk(data_dir):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).stat().st_size
    return total


def remove(data_dir: Path) -> None:
    """Deletes the data (`precis local reset`, `up --fresh`); IncompatibleData for a directory that is
    not a stack's data (no VERSION.json), which is left alone."""
    if data_dir.exists() and not (data_dir / "VERSION.json").exists() and any(data_dir.iterdir()):
        raise IncompatibleData(
            f"{data_dir} is not a local stack's data directory (no VERSION.json): not deleted"
        )
    shutil.rmtree(data_dir, ignore_errors=True)

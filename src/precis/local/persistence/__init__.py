"""The local stack's data on disk: moto's S3 objects and DynamoDB items survive a stop, a crash and a
kill -9 (moto itself keeps everything in memory).

`durable(app, data_dir)` is what moto's server runs: it restores the journal into moto's backends before
the server listens (so nothing sees half of it), prints the ready line with what it restored, and
returns the app wrapped in `Journaled`, which puts every acknowledged write on disk before answering.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from precis.local.persistence import entities, journal, layout
from precis.local.persistence.layout import READY
from precis.local.persistence.middleware import Journaled

__all__ = ["READY", "durable", "restore"]


def restore(directory: Path) -> dict[str, float]:
    """Puts the journal's state into moto's backends: everything read and decoded first, so data that
    cannot be read is refused whole (ValueError) and nothing is half-loaded."""
    started, cpu = time.monotonic(), time.process_time()
    gc.disable()  # hundreds of thousands of new objects: collecting while they arrive doubled the time
    try:
        state = journal.fold(journal.stored_frames(directory))
        journal.drop_expired(state)
        try:
            decoded = entities.decode(state)
        except Exception as error:  # noqa: BLE001 - any unreadable state refuses the whole restore
            raise layout.IncompatibleData(f"the journal in {directory} cannot be read: {error}") from error
        for entity, value in decoded:
            entities.apply(entity, value)
    finally:
        gc.enable()
    gc.freeze()  # what was restored stays: later collections need not walk it
    seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu
    return {**entities.summary(decoded), "seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3)}


def durable(app: Callable, data_dir: str | None) -> Callable:
    """`app` journaled into `data_dir` after restoring it; unchanged (in memory only) without one."""
    if not data_dir:
        print(f"{READY} (in memory only)", flush=True)
        return app
    root = Path(data_dir)
    directory = root / "moto"
    try:
        layout.check_version(root)
        directory.mkdir(parents=True, exist_ok=True)
        layout.hold(root)
        restored = restore(directory)
    except (layout.IncompatibleData, layout.DataInUse) as error:
        sys.exit(f"precis-moto: {error}")
    log = journal.Journal(directory)
    if journal.numbered(directory, "segment-")[:-1]:
        log.compact_in_background(log.segment_number - 1)
    print(f"{READY} {json.dumps(restored)}", flush=True)
    return Journaled(app, log)

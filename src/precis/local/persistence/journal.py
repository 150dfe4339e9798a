"""The moto server's write-ahead journal on disk: numbered segments of framed records, and snapshots.

A record is one entity's state after an acknowledged write (an S3 key with all its versions, a DynamoDB
item, a bucket's or a table's configuration; `None` when it is gone). Each frame is

    length (4 bytes) · crc32 of the rest (4) · entity length (4) · entity (JSON) · state (pickle)

Records are appended in memory under one lock (so their order is the order the writes were applied
in) and made durable by group commit (persistence.commit): a request waits until a flush covered its
frame, and one flush (one write after the last frame of the open segment, one fdatasync) covers every
frame appended before it, whoever asked. The segment is written over space zero-filled ahead of the
frames (persistence.segment: a sync then flushes data, not the file's size).
Restore reads a segment up to its first bad frame: a torn tail is a write that was never acknowledged,
and the zeros after the last frame are no frame. After a failed write the journal
truncates the segment back and, once the disk takes writes again, goes on in a new segment.

Compaction folds the last snapshot and every closed segment into a new snapshot (the last state of each
entity, gone ones dropped), written aside and renamed into place, then removes what it covers; the open
segment takes writes meanwhile. It runs in its own process (`python -m precis.local.persistence.journal
DIR N`), so moto's server, one process under one GIL, keeps answering while tens of megabytes are
folded. `snapshot-N` covers segments 1..N; any finished snapshot is a whole fold, so two compactions at
once (one left running by a killed server) cannot lose anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from precis.local.persistence.commit import GroupCommit
from precis.local.persistence.segment import CHUNK_BYTES, Segment
from precis.local.state import pid_alive

SEGMENT_BYTES = 64 * 1024 * 1024
"""A segment this large is closed and compacted in the background."""
_SPARE_BYTES = 1024 * 1024
"""A write is refused up front unless the disk has its size plus this free."""

STREAM = "stream"
"""The kind of a DynamoDB stream record's entity (persistence.streams)."""
STREAM_RETENTION_SECONDS = 24 * 60 * 60
"""DynamoDB Streams keeps a record this long."""

Entity = tuple
"""What a record is about: ("key", account, bucket, key), ("item", account, region, table, key json)…"""


class JournalUnavailable(OSError):
    """The journal cannot take a write now (disk full, read-only, I/O error): answer 5xx, apply nothing."""


@dataclass(frozen=True)
class Frame:
    entity: Entity
    state: bytes
    """The pickled state, or b"" when the entity is gone."""


def encode(entity: Entity, state: bytes) -> bytes:
    name = json.dumps(entity, separators=(",", ":")).encode()
    body = len(name).to_bytes(4, "big") + name + state
    return struct.pack(">II", len(body), zlib.crc32(body)) + body


def read_frames(data: bytes) -> tuple[list[Frame], int]:
    """The good frames at the start of `data`, and where the first bad (torn) one begins."""
    frames, offset = [], 0
    while offset + 8 <= len(data):
        length, crc = struct.unpack_from(">II", data, offset)
        body = data[offset + 8 : offset + 8 + length]
        if len(body) < length or length < 4 or zlib.crc32(body) != crc:
            break
        name_length = int.from_bytes(body[:4], "big")
        entity = tuple(json.loads(body[4 : 4 + name_length]))
        frames.append(Frame(entity, bytes(body[4 + name_length :])))
        offset += 8 + length
    return frames, offset


def segment_path(directory: Path, number: int) -> Path:
    return directory / f"segment-{number:08d}.log"


def snapshot_path(directory: Path, number: int) -> Path:
    return directory / f"snapshot-{number:08d}.log"


def numbered(directory: Path, prefix: str) -> list[int]:
    return sorted(int(path.stem.removeprefix(prefix)) for path in directory.glob(f"{prefix}*.log"))


def stored_frames(directory: Path) -> Iterator[Frame]:
    """Every durable frame in order: the newest snapshot, then the segments after it."""
    snapshots = numbered(directory, "snapshot-")
    covered = snapshots[-1] if snapshots else 0
    paths = [snapshot_path(directory, covered)] if snapshots else []
    paths += [segment_path(directory, n) for n in numbered(directory, "segment-") if n > covered]
    for path in paths:
        frames, _ = read_frames(path.read_bytes())
        yield from frames


def fold(frames: Iterator[Frame]) -> dict[Entity, bytes]:
    """The last state of every entity that still exists; a gone bucket or table takes its contents along."""
    state: dict[Entity, bytes] = {}
    for frame in frames:
        state.pop(frame.entity, None)
        if frame.state:
            state[frame.entity] = frame.state
        elif frame.entity[0] in ("bucket", "table"):
            scope = frame.entity[1:]
            for entity in [e for e in state if e[0] != frame.entity[0] and e[1 : 1 + len(scope)] == scope]:
                del state[entity]
    return state


def drop_expired(state: dict[Entity, bytes], now: float | None = None) -> int:
    """Drops the stream records older than the retention, except each stream's newest (it keeps the
    stream's numbering going); how many. A record's entity ends with its sequence number and creation
    time: (STREAM, account, region, table, label, sequence number, epoch seconds)."""
    cutoff = (time.time() if now is None else now) - STREAM_RETENTION_SECONDS
    newest: dict[tuple, int] = {}
    for entity in state:
        if entity[0] == STREAM:
            newest[entity[1:5]] = max(newest.get(entity[1:5], 0), int(entity[5]))
    expired = [e for e in state if e[0] == STREAM and e[6] < cutoff and int(e[5]) < newest[e[1:5]]]
    for entity in expired:
        del state[entity]
    return len(expired)


class Journal:
    """The open segment of `directory`: append frames, wait until they are durable, rotate and compact."""

    def __init__(self, directory: Path, segment_bytes: int = SEGMENT_BYTES) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        self.failure: OSError | None = None
        """The last write's error while the journal refuses writes."""
        self.on_lost: Callable[[], None] | None = None
        """Called when a flush failed: frames appended (and perhaps counted as journaled) are not on disk."""
        self._append_lock = threading.Lock()  # the frames in memory; held for no system call
        self._segment_lock = threading.Lock()  # the open segment: the flushing writer, rotation, close
        self._pending: list[bytes] = []
        self._written = 0
        self._commit = GroupCommit(self._flush)
        self._compacting: subprocess.Popen | None = None
        existing = numbered(directory, "segment-") + numbered(directory, "snapshot-")
        self._number = max(existing, default=0)
        self._segment = self._open_next()
        self._closed = False

    @property
    def segment_number(self) -> int:
        """The open segment's number."""
        return self._number

    # --- writing -----------------------------------------------------------------------------------
    def check_space(self, needed: int) -> None:
        """JournalUnavailable unless the disk is writable with `needed` bytes and some to spare (space the
        open segment already has is there: nothing to ask the disk)."""
        if self._segment.reserved(needed + sum(map(len, self._pending))):
            return
        try:
            stats = os.statvfs(self.directory)
        except OSError as error:
            problem = JournalUnavailable(error.errno, f"cannot read the journal's disk: {error}")
        else:
            if stats.f_flag & os.ST_RDONLY:
                problem = JournalUnavailable(30, f"{self.directory} is on a read-only file system")
            elif stats.f_bavail * stats.f_frsize < needed + _SPARE_BYTES:
                problem = JournalUnavailable(28, f"no space left on the disk of {self.directory}")
            else:
                return
        with self._append_lock:
            self._fail(problem, None)
        raise problem

    def append(self, frames: list[bytes]) -> int:
        """Adds the frames after every frame appended before (in memory) and returns the position to wait
        for: they reach the disk with the next flush (`wait_durable`)."""
        data = b"".join(frames)
        with self._append_lock:
            self._pending.append(data)
            self._written += len(data)
            return self._written

    def wait_durable(self, position: int) -> None:
        """Until a flush (write and fdatasync) covered `position` (persistence.commit: one flush covers
        every writer waiting); JournalUnavailable if the flush that carried it failed."""
        try:
            self._commit.wait(position)
        except JournalUnavailable:
            raise
        except OSError as error:
            raise JournalUnavailable(error.errno, f"cannot write the journal: {error}") from error

    def close(self) -> None:
        """Every frame appended on disk, then the segment closed."""
        with self._append_lock:
            written = self._written
        with contextlib.suppress(OSError):
            self.wait_durable(written)
        with self._segment_lock:
            if not self._closed:
                self._segment.close()
                self._closed = True
        if self._compacting is not None:
            self._compacting.wait()

    def _flush(self) -> tuple[int, OSError | None]:
        """Writes the frames appended so far to the open segment and syncs it; run by one writer at a time
        (the group commit's leader). A failure truncates the segment back to its last flushed frame."""
        with self._segment_lock:
            with self._append_lock:
                pending, self._pending = self._pending, []
                target = self._written
            if not pending:
                return target, None
            start = None
            try:
                if self.failure is not None:
                    self._heal()
                start = self._segment.size
                self._segment.write(b"".join(pending))
                os.fdatasync(self._segment.fd)
            except OSError as error:
                with self._append_lock:
                    self._fail(error, start)
                if self.on_lost is not None:
                    self.on_lost()
                return target, error
            if self._segment.size >= self.segment_bytes:
                with contextlib.suppress(OSError):  # the frames are on disk: a new segment is the next's
                    self._rotate()
            return target, None

    # --- segments ------------------------------------------------------------------------------------
    def _open_next(self) -> Segment:
        self._number += 1
        segment = Segment(segment_path(self.directory, self._number), min(CHUNK_BYTES, self.segment_bytes))
        _sync_directory(self.directory)
        return segment

    def _rotate(self) -> None:
        """The full (synced) segment closed, a new one opened, the closed ones compacted aside."""
        self._segment.close()
        closed = self._number
        self._segment = self._open_next()
        self.compact_in_background(closed)

    def _fail(self, error: OSError, start: int | None) -> None:
        if self.failure is None:
            print(f"precis-moto: the journal cannot be written ({error}); writes answer 503", flush=True)
        self.failure = error
        if start is not None:
            # If this fails too, the torn frame stays: restore stops there, and the next write goes to a
            # new segment.
            with contextlib.suppress(OSError):
                self._segment.truncate(start)

    def _heal(self) -> None:
        """After a failure, a new segment: the old one may end in a torn frame."""
        old = self._segment
        try:
            self._segment = self._open_next()
        except OSError as error:
            self._number -= 1
            raise JournalUnavailable(error.errno, f"cannot open a journal segment: {error}") from error
        old.close()
        print("precis-moto: the journal is writable again", flush=True)
        self.failure = None

    # --- compaction ----------------------------------------------------------------------------------
    def compact_in_background(self, closed: int) -> None:
        """Starts `compact(directory, closed)` in its own process, unless one is still running (the next
        rotation covers these segments too)."""
        if self._compacting is not None and self._compacting.poll() is None:
            return
        command = [sys.executable, "-m", "precis.local.persistence.journal", str(self.directory), str(closed)]
        self._compacting = subprocess.Popen(command, stdin=subprocess.DEVNULL)

    def rotate_and_compact(self) -> None:
        """Closes the open segment and compacts everything up to it (in the background, once a
        compaction still running has finished)."""
        if self._compacting is not None:
            self._compacting.wait()
        with self._append_lock:
            written = self._written
        self.wait_durable(written)
        with self._segment_lock:
            if self._segment.size and self.failure is None:
                self._rotate()


def compact(directory: Path, closed: int) -> int:
    """Writes snapshot-`closed` from the newest snapshot and segments up to `closed`, then removes those;
    returns the entities it holds."""
    snapshots = numbered(directory, "snapshot-")
    covered = snapshots[-1] if snapshots else 0
    paths = [snapshot_path(directory, covered)] if snapshots else []
    paths += [segment_path(directory, n) for n in numbered(directory, "segment-") if covered < n <= closed]

    def frames() -> Iterator[Frame]:
        for path in paths:
            yield from read_frames(path.read_bytes())[0]

    state = fold(frames())
    drop_expired(state)
    temporary = directory / f"snapshot.{os.getpid()}.tmp"
    with temporary.open("wb") as out:
        for entity, data in state.items():
            out.write(encode(entity, data))
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(snapshot_path(directory, closed))
    _sync_directory(directory)
    for path in paths:
        path.unlink(missing_ok=True)
    for n in numbered(directory, "segment-"):
        if n <= closed:
            segment_path(directory, n).unlink(missing_ok=True)
    for n in numbered(directory, "snapshot-"):
        if n < closed:
            snapshot_path(directory, n).unlink(missing_ok=True)
    for left in directory.glob("snapshot.*.tmp"):  # by a compaction whose process was killed
        if not pid_alive(int(left.name.split(".")[1])):
            left.unlink(missing_ok=True)
    return len(state)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main(argv: list[str]) -> int:
    """`python -m precis.local.persistence.journal DIR N`: compacts DIR's segments up to N."""
    directory, closed = Path(argv[0]), int(argv[1])
    try:
        compact(directory, closed)
    except OSError as error:
        print(f"precis-moto: compaction failed ({error}); the segments stay", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

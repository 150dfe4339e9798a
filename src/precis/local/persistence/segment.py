"""The journal's open segment file: frames written in place into space zero-filled ahead of them.

An fdatasync of a file that grew must also commit its new size: on ext4 that is a commit of the file
system's own journal, which waits for whatever else the disk's other writers have pending there. A file
written over blocks it already has needs only its data flushed. So a thread of the segment keeps
`CHUNK_BYTES` of zeros written and synced past the last frame (the size committed once a chunk, not once a
write), and frames are written over them with pwrite. Restore reads a segment up to its first bad frame;
zeros are not a frame (length 0), so a zero-filled tail reads as the end.

A write that runs past the zero-filled space (a burst faster than the filling, or a disk without room
for a chunk) simply grows the file, as an appended one would: then its sync commits the size too. The
filling thread claims the space it fills under the segment's lock, and a write never goes into space
being filled: it waits for that chunk instead.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

CHUNK_BYTES = 8 * 1024 * 1024
"""Zeros written ahead of the frames at a time (another once less than half of it is left)."""
_ROOM_BYTES = 4 * CHUNK_BYTES
"""Space the disk must have free beyond a chunk for it to be filled: never the journal's own writes'."""
_ZEROS = bytes(1024 * 1024)


class Segment:
    """One segment file open for writing. `write` and `truncate` are called by one writer at a time (the
    journal's append lock); `reserved` may be asked from anywhere."""

    def __init__(self, path: Path, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        self.size = 0
        """Bytes of frames written."""
        self._chunk = chunk_bytes
        self._low_water = chunk_bytes // 2
        self._end = 0
        """Bytes of the file allocated and synced (frames or zeros), or being filled."""
        self._filling = False
        self._changed = threading.Condition()
        # The first chunk before the first write, which would otherwise wait for it; no filling at all on a
        # disk without room for one.
        self._closed = not self._zero(0)
        if not self._closed:
            self._end = chunk_bytes
        self._filler = threading.Thread(target=self._fill, name=f"fill-{path.name}", daemon=True)
        self._filler.start()

    def reserved(self, needed: int) -> bool:
        """Whether the next `needed` bytes go into space the segment already has (no new disk space)."""
        return not self._filling and self.size + needed <= self._end

    def write(self, data: bytes) -> None:
        """Writes `data` after the frames; OSError if it could not be written whole."""
        with self._changed:
            while self._filling and self.size + len(data) > self._end:
                self._changed.wait()  # the space after the frames is being filled: not over it
            written = os.pwrite(self.fd, data, self.size)
            if written != len(data):
                raise OSError(28, "short write: no space left on device")
            self.size += len(data)
            self._end = max(self._end, self.size)
            if self._end - self.size < self._low_water:
                self._changed.notify_all()

    def truncate(self, size: int) -> None:
        """Back to `size` bytes (a write failed) and no more filling: the journal goes on in another."""
        with self._changed:
            while self._filling:
                self._changed.wait()
            self._closed = True
            self._changed.notify_all()
            self.size = self._end = size
            os.ftruncate(self.fd, size)

    def close(self) -> None:
        """Stops the filling (after the chunk in progress) and closes the file."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._filler.join()
        os.close(self.fd)

    def _fill(self) -> None:
        """Keeps a chunk of zeros ahead of the frames while the disk has room; stops at the first error."""
        while True:
            with self._changed:
                while not self._closed and self._end - self.size >= self._low_water:
                    self._changed.wait()
                if self._closed:
                    return
                start, self._filling = self._end, True
            filled = self._zero(start)
            with self._changed:
                self._filling = False
                if filled:
                    self._end = start + self._chunk
                self._changed.notify_all()
            if not filled:
                return

    def _zero(self, start: int) -> bool:
        """Writes and syncs a chunk of zeros at `start`; False if the disk has no room for it or failed."""
        try:
            stats = os.statvfs(self.path.parent)
            if stats.f_bavail * stats.f_frsize < self._chunk + _ROOM_BYTES:
                return False
            for offset in range(0, self._chunk, len(_ZEROS)):
                piece = _ZEROS[: min(len(_ZEROS), self._chunk - offset)]
                if os.pwrite(self.fd, piece, start + offset) != len(piece):
                    raise OSError(28, "short write")
            os.fdatasync(self.fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, start)  # no half-filled chunk left past the frames
            return False
        return True

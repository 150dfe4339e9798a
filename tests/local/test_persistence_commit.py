"""Group commit (precis.local.persistence.commit): one flush answers every writer waiting, each writer
returns only once a flush covered its position, and a failed flush fails exactly the writes it carried."""

from __future__ import annotations

import threading
import time

import pytest

from precis.local.persistence.commit import GroupCommit


class Disk:
    """Positions appended in memory; a flush takes all of them, slowly, as a sync does."""

    def __init__(self, fail_flushes: int = 0) -> None:
        self.appended = 0
        self.flushed = 0
        self.flushes = 0
        self.fail_flushes = fail_flushes
        self.lock = threading.Lock()

    def append(self) -> int:
        with self.lock:
            self.appended += 1
            return self.appended

    def flush(self) -> tuple[int, OSError | None]:
        with self.lock:
            target = self.appended
        time.sleep(0.005)
        self.flushes += 1
        if self.fail_flushes:
            self.fail_flushes -= 1
            return target, OSError(28, "no space left on device")
        self.flushed = target
        return target, None


def test_writers_at_once_share_flushes_and_each_returns_once_its_position_is_flushed() -> None:
    disk = Disk()
    commit = GroupCommit(disk.flush)
    early: list[tuple[int, int]] = []

    def writer() -> None:
        for _ in range(50):
            position = disk.append()
            commit.wait(position)
            if disk.flushed < position:
                early.append((position, disk.flushed))

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not early, f"returned before a flush covered them: {early[:3]}"
    assert commit.durable == disk.flushed == 400
    assert disk.flushes < 400 / 2  # flushes were shared


def test_a_failed_flush_fails_the_writes_it_carried_and_the_next_ones_go_through() -> None:
    disk = Disk(fail_flushes=1)
    commit = GroupCommit(disk.flush)
    first = disk.append()

    with pytest.raises(OSError, match="no space"):
        commit.wait(first)
    # A writer asking later about a position the failed flush carried is told too
    with pytest.raises(OSError):
        commit.wait(first)
    # And a write appended after it is flushed and acknowledged
    second = disk.append()
    commit.wait(second)
    assert commit.durable == second and disk.flushed == second

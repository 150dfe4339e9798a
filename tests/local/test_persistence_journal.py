"""The moto server's journal on disk (precis.local.persistence.journal): frames, torn tails, the fold of
states, group commit, rotation and compaction, and the segment written over zeros filled ahead."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from precis.local.persistence import journal
from precis.local.persistence.journal import Journal, encode, fold, read_frames, stored_frames
from precis.local.persistence.segment import Segment


def _write(directory: Path, *records: tuple[tuple, bytes]) -> Journal:
    log = Journal(directory)
    log.wait_durable(log.append([encode(entity, state) for entity, state in records]))
    return log


def test_a_torn_last_frame_is_a_write_that_was_never_acknowledged(tmp_path: Path) -> None:
    # Given two records on disk and a third cut short after them, as a crash mid-write leaves it (in the
    # space zero-filled ahead of the frames, or past the file's end)
    _write(tmp_path, (("key", "1", "b", "one"), b"1"), (("key", "1", "b", "two"), b"2")).close()
    [segment] = tmp_path.glob("segment-*.log")
    written = segment.read_bytes()
    end = read_frames(written)[1]
    torn = encode(("key", "1", "b", "three"), b"3" * 100)[:-10]
    segment.write_bytes(written[:end] + torn + written[end + len(torn) :])

    # When the journal is read back
    frames = list(stored_frames(tmp_path))

    # Then the two whole records are there and the torn one is not
    assert [frame.entity for frame in frames] == [("key", "1", "b", "one"), ("key", "1", "b", "two")]
    assert read_frames(segment.read_bytes())[1] == end


def test_a_corrupted_frame_ends_the_segment_where_it_starts(tmp_path: Path) -> None:
    # Given a frame whose bytes changed on disk
    data = bytearray(
        encode(("item", "1", "r", "t", "k"), b"ok") + encode(("item", "1", "r", "t", "j"), b"no")
    )
    data[-1] ^= 0xFF

    # Then only the frame before it is read
    frames, end = read_frames(bytes(data))
    assert [frame.state for frame in frames] == [b"ok"] and end == len(data) // 2


def test_the_fold_keeps_each_entitys_last_state_and_drops_what_is_gone() -> None:
    frames = [
        journal.Frame(("bucket", "1", "b"), b"bucket"),
        journal.Frame(("key", "1", "b", "k"), b"v1"),
        journal.Frame(("key", "1", "b", "k"), b"v2"),
        journal.Frame(("key", "1", "b", "gone"), b"x"),
        journal.Frame(("key", "1", "b", "gone"), b""),
        journal.Frame(("table", "1", "r", "t"), b"table"),
        journal.Frame(("item", "1", "r", "t", "i"), b"item"),
    ]

    # Then the last state of each entity, without deleted ones
    assert fold(iter(frames)) == {
        ("bucket", "1", "b"): b"bucket",
        ("key", "1", "b", "k"): b"v2",
        ("table", "1", "r", "t"): b"table",
        ("item", "1", "r", "t", "i"): b"item",
    }
    # And a deleted table takes its items along; a deleted bucket its keys (and not another bucket's)
    after = fold(
        iter(
            [*frames, journal.Frame(("table", "1", "r", "t"), b""), journal.Frame(("bucket", "1", "bb"), b"")]
        )
    )
    assert after == {("bucket", "1", "b"): b"bucket", ("key", "1", "b", "k"): b"v2"}


def test_writers_at_once_are_all_durable_and_in_order_per_writer(tmp_path: Path) -> None:
    # Given 8 threads appending and waiting for the disk, 200 records each
    log = Journal(tmp_path)

    def writer(number: int) -> None:
        for index in range(200):
            log.wait_durable(log.append([encode(("item", "1", "r", "t", f"{number}"), str(index).encode())]))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()

    # Then every record is on disk, each writer's last one last
    frames = list(stored_frames(tmp_path))
    assert len(frames) == 1600
    assert fold(iter(frames)) == {("item", "1", "r", "t", f"{n}"): b"199" for n in range(8)}


def test_compaction_keeps_the_state_and_removes_the_segments_it_covers(tmp_path: Path) -> None:
    # Given a journal with small segments, written over and over the same 50 entities
    log = Journal(tmp_path, segment_bytes=4096)
    for round_ in range(40):
        for number in range(50):
            entity = ("item", "1", "r", "t", str(number))
            log.wait_durable(log.append([encode(entity, f"{round_}-{number}".encode() * 4)]))
    before = fold(stored_frames(tmp_path))

    # When the open segment is closed and compacted too
    log.rotate_and_compact()
    log.close()

    # Then the state read back is the same, from one snapshot and at most the (empty) open segment
    assert fold(stored_frames(tmp_path)) == before
    assert before[("item", "1", "r", "t", "7")] == b"39-7" * 4
    assert len(list(tmp_path.glob("snapshot-*.log"))) == 1
    assert all(read_frames(path.read_bytes())[0] == [] for path in tmp_path.glob("segment-*.log"))
    # And a journal opened on it goes on in a new segment, the state unchanged
    _write(tmp_path, (("item", "1", "r", "t", "new"), b"n")).close()
    assert fold(stored_frames(tmp_path)) == {**before, ("item", "1", "r", "t", "new"): b"n"}


def test_stream_records_past_the_retention_are_dropped_but_each_streams_newest_stays() -> None:
    # Given three records of a table's stream, two of them older than a day, and an old one of another's
    now = 1_800_000_000
    day = journal.STREAM_RETENTION_SECONDS

    def record(table: str, sequence: int, age: float) -> tuple:
        return ("stream", "1", "r", table, "label", str(sequence), int(now - age))

    state = {
        record("t", 9, day + 60): b"old",
        record("t", 10, day + 1): b"old too",
        record("t", 11, 5): b"recent",
        record("u", 3, day * 2): b"old but its stream's last",
        ("item", "1", "r", "t", "k"): b"an item, whatever its age",
    }

    # When the journal's state is folded
    dropped = journal.drop_expired(state, now=now)

    # Then the records older than the retention are gone, except the newest of each stream
    assert dropped == 2
    assert set(state.values()) == {b"recent", b"old but its stream's last", b"an item, whatever its age"}


def test_a_segment_writes_its_frames_over_zeros_it_filled_ahead(tmp_path: Path) -> None:
    # Given a segment that fills 4 KB ahead of its frames
    segment = Segment(tmp_path / "segment-00000001.log", chunk_bytes=4096)
    path = segment.path
    assert path.stat().st_size == 4096 and segment.reserved(4096) and not segment.reserved(4097)

    # When frames are written, a few small ones and then more than the space filled ahead
    frames = [encode(("item", "1", "r", "t", str(n)), bytes([65 + n]) * 300) for n in range(5)]
    for frame in frames:
        segment.write(frame)
    big = encode(("item", "1", "r", "t", "big"), b"b" * 10_000)
    segment.write(big)
    deadline = time.monotonic() + 10
    while path.stat().st_size < segment.size + 2048 and time.monotonic() < deadline:
        time.sleep(0.01)  # the filling thread catches up
    segment.close()

    # Then they read back in order, the file ends in zeros filled ahead of them, not in a frame
    data = path.read_bytes()
    read, end = read_frames(data)
    assert [frame.entity[-1] for frame in read] == ["0", "1", "2", "3", "4", "big"]
    assert end == sum(map(len, frames)) + len(big)
    assert len(data) > end and set(data[end:]) == {0}

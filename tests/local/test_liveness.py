"""The signs of life the supervisor reads: a function worker's heartbeat stops while an invocation runs past
its timeout, as Lambda ends one; a file's beat is a change, whatever the wall clock says."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from precis.local.liveness import Heartbeat, HeartbeatFile


def test_the_heartbeat_stops_while_an_invocation_runs_past_the_timeout(tmp_path: Path) -> None:
    # Given a worker's heartbeat (a 1 s function timeout) and the supervisor's view of its file
    path = tmp_path / "worker.heartbeat"
    heartbeat = Heartbeat(str(path), timeout_seconds=1)
    seen = HeartbeatFile(path)
    stopping = threading.Event()
    threading.Thread(target=heartbeat.beat, args=(stopping,), daemon=True).start()
    try:
        time.sleep(0.2)
        assert seen.responds()

        # When an invocation has been running 5 s
        heartbeat.invoking_since = time.monotonic() - 5
        time.sleep(2.5)
        seen.responds()  # whatever beat before it was stuck
        time.sleep(1.5)

        # Then no beat comes, and once it ends the beats come again
        assert not seen.responds()
        heartbeat.invoking_since = None
        time.sleep(1.5)
        assert seen.responds()
    finally:
        stopping.set()


def test_a_beat_is_a_change_of_the_file_not_its_age(tmp_path: Path) -> None:
    # Given a heartbeat file whose modification time is hours in the future (a wall clock that jumped back)
    path = tmp_path / "worker.heartbeat"
    path.touch()
    future = time.time() + 7 * 3600
    os.utime(path, (future, future))
    seen = HeartbeatFile(path)

    # Then its first reading is a sign of life, an unchanged file is none, and a touch is one again
    assert seen.responds()
    assert not seen.responds()
    path.touch()
    assert seen.responds()
    assert not HeartbeatFile(tmp_path / "missing").responds()


STOPPED_WORKER = """
import sys, threading, time
from precis.local.liveness import Heartbeat

heartbeat = Heartbeat(sys.argv[1], timeout_seconds=5)
heartbeat.invoking_since = time.monotonic()  # an invocation that runs on and on
threading.Thread(target=heartbeat.beat, args=(threading.Event(),), daemon=True).start()
print("invoking", flush=True)
time.sleep(60)
"""


def test_time_a_worker_spent_stopped_does_not_count_toward_its_invocations_timeout(tmp_path: Path) -> None:
    # Given a worker whose invocation has run 1.5 s of its 5 s timeout
    path = tmp_path / "worker.heartbeat"
    worker = subprocess.Popen([sys.executable, "-c", STOPPED_WORKER, str(path)], stdout=subprocess.PIPE)
    try:
        assert worker.stdout is not None and worker.stdout.readline() == b"invoking\n"
        time.sleep(1.5)

        # When the whole process is stopped for 8 s (SIGSTOP, as a machine's suspend stops it) and goes on
        worker.send_signal(signal.SIGSTOP)
        seen = HeartbeatFile(path)
        seen.responds()  # its last beat before the stop
        time.sleep(8.0)
        worker.send_signal(signal.SIGCONT)

        # Then it beats on: the stopped time is not invocation time
        time.sleep(1.2)
        assert seen.responds()
        # And once the invocation has run past its timeout in time it ran, the beats stop
        time.sleep(4.0)
        seen.responds()
        time.sleep(1.5)
        assert not seen.responds()
    finally:
        worker.kill()
        worker.wait()

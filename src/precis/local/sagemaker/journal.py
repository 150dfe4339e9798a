"""The local endpoint's durable queue: one SQLite row per accepted request, as SageMaker's managed queue.

A request is written before InvokeEndpointAsync answers 202, and is open until its output or failure
object AND its notification are written. The steps, each committed before the next begins:

    queued ──▶ running (runs + 1) ──▶ stored (object written; outcome kept) ──▶ closed (notified)

An endpoint restarted on the same journal resumes every open row: queued and running ones are run
again with their original TTL clock (the received time is on the row); stored ones only have their
notification published again. A crash after the publish and before `closed` therefore repeats a
notification, which the record function absorbs. WAL with synchronous=NORMAL keeps every committed
row across a killed process (not across a power loss, which the local stack does not need).
A row only moves forward: a late `running` from a worker whose request already timed out changes nothing.
Closed rows stay, so the model runs per request can be counted after any number of restarts.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from precis.local.sagemaker.delivery import AsyncRequest, RequestResult

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    inference_id TEXT NOT NULL,
    input_location TEXT NOT NULL,
    output_location TEXT NOT NULL,
    failure_location TEXT,
    content_type TEXT,
    accept TEXT,
    custom_attributes TEXT,
    received_at REAL NOT NULL,
    ttl REAL NOT NULL,
    timeout REAL NOT NULL,
    state TEXT NOT NULL,
    runs INTEGER NOT NULL DEFAULT 0,
    outcome TEXT,
    response_content_type TEXT,
    failure_reason TEXT,
    closed_at REAL
);
CREATE INDEX IF NOT EXISTS open_requests ON requests (state) WHERE state != 'closed';
CREATE TABLE IF NOT EXISTS endpoint (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class RequestState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    STORED = "stored"
    CLOSED = "closed"


_RUNNABLE = (RequestState.QUEUED.value, RequestState.RUNNING.value)


@dataclass(frozen=True)
class JournaledRequest:
    """An open row as an endpoint resuming the journal reads it."""

    request: AsyncRequest
    ttl: float
    timeout: float
    state: RequestState
    runs: int
    result: RequestResult | None

    def real_age(self, now: float | None = None) -> float:
        """Real seconds since the request was accepted (its TTL runs on the endpoint's scaled clock)."""
        received = self.request.received_at.timestamp()
        return max(0.0, (time.time() if now is None else now) - received)


class RequestJournal:
    """The journal in one SQLite file (`":memory:"` for an endpoint that need not survive a restart)."""

    def __init__(self, path: Path | str = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the HTTP threads, the instance workers and the publisher.
        self._connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._connection.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.executescript(_SCHEMA)

    def accept(self, request: AsyncRequest, *, ttl: float, timeout: float) -> AsyncRequest:
        """Writes the request (committed before the caller answers 202); it comes back numbered."""
        with self._lock:
            cursor = self._connection.execute(
                "INSERT INTO requests (inference_id, input_location, output_location, failure_location,"
                " content_type, accept, custom_attributes, received_at, ttl, timeout, state)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    request.inference_id,
                    request.input_location,
                    request.output_location,
                    request.failure_location,
                    request.content_type,
                    request.accept,
                    request.custom_attributes,
                    request.received_at.timestamp(),
                    ttl,
                    timeout,
                    RequestState.QUEUED.value,
                ),
            )
        return replace(request, number=cursor.lastrowid)

    def running(self, request: AsyncRequest) -> None:
        """The model starts on the request (once more, if an earlier run was cut off by a crash)."""
        self._execute(
            "UPDATE requests SET state = ?, runs = runs + 1 WHERE number = ? AND state IN (?, ?)",
            (RequestState.RUNNING.value, request.number, *_RUNNABLE),
        )

    def stored(self, request: AsyncRequest, result: RequestResult) -> None:
        """The output or failure object is written; only the notification is left."""
        self._execute(
            "UPDATE requests SET state = ?, outcome = ?, response_content_type = ?, failure_reason = ?"
            " WHERE number = ? AND state IN (?, ?)",
            (
                RequestState.STORED.value,
                "Completed" if result.completed else "Failed",
                result.content_type,
                result.failure_reason,
                request.number,
                *_RUNNABLE,
            ),
        )

    def closed(self, request: AsyncRequest) -> None:
        """The notification is published (or deliberately dropped): nothing is left to do."""
        self._execute(
            "UPDATE requests SET state = ?, closed_at = ? WHERE number = ? AND state = ?",
            (RequestState.CLOSED.value, time.time(), request.number, RequestState.STORED.value),
        )

    def open_requests(self) -> list[JournaledRequest]:
        """Every request not yet closed, in the order the endpoint accepted them."""
        with self._lock:
            rows = self._connection.execute(
                "SELECT * FROM requests WHERE state != 'closed' ORDER BY number"
            ).fetchall()
        return [_journaled(row) for row in rows]

    def runs(self) -> list[dict]:
        """Per accepted request: its inference id, input, state, outcome and how many times the model ran."""
        with self._lock:
            rows = self._connection.execute(
                "SELECT number, inference_id, input_location, state, runs, outcome FROM requests"
                " ORDER BY number"
            ).fetchall()
        return [dict(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """Requests per state (every state present, zero when none)."""
        with self._lock:
            rows = self._connection.execute("SELECT state, COUNT(*) FROM requests GROUP BY state").fetchall()
        found = {row[0]: row[1] for row in rows}
        return {state.value: found.get(state.value, 0) for state in RequestState}

    def desired_instances(self) -> int | None:
        """The instance count the endpoint last scaled to, so a restarted endpoint replaces its instances."""
        with self._lock:
            row = self._connection.execute("SELECT value FROM endpoint WHERE name = 'desired'").fetchone()
        return None if row is None else int(row[0])

    def scaled_to(self, desired: int) -> None:
        self._execute("INSERT OR REPLACE INTO endpoint (name, value) VALUES ('desired', ?)", (desired,))

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def _execute(self, statement: str, parameters: tuple) -> None:
        with self._lock:
            self._connection.execute(statement, parameters)


def _journaled(row: sqlite3.Row) -> JournaledRequest:
    request = AsyncRequest(
        inference_id=row["inference_id"],
        input_location=row["input_location"],
        output_location=row["output_location"],
        failure_location=row["failure_location"],
        content_type=row["content_type"],
        accept=row["accept"],
        custom_attributes=row["custom_attributes"],
        received_at=datetime.fromtimestamp(row["received_at"], UTC),
        number=row["number"],
    )
    state = RequestState(row["state"])
    result = None
    if state is RequestState.STORED:
        completed = row["outcome"] == "Completed"
        result = RequestResult(
            content_type=row["response_content_type"],
            failure_reason=None if completed else row["failure_reason"],
        )
    return JournaledRequest(request, row["ttl"], row["timeout"], state, row["runs"], result)

"""The WSGI middleware that journals every acknowledged write before its answer goes out.

A write (S3 other than GET/HEAD; DynamoDB's write actions) runs under its service's lock together with
the reading back of what it changed (with the records a DynamoDB write added to its table's stream,
persistence.streams) and the append of that state to the journal, so the journal's order is the order
the writes were applied in, per service (no entity belongs to both, and a state is read back whole);
the wait for the disk (group commit) is outside the lock. Only a 2xx is journaled. When the journal
cannot take a write (disk full, read-only, I/O error), the request is answered as AWS answers a
server-side failure, which the SDKs retry: S3 with 503 ServiceUnavailable, DynamoDB with 500
InternalServerError. A full disk is seen before the write is applied; an error in the write itself is
seen after (the change then stays in memory, unacknowledged, until the stack restarts).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable
from typing import Any

from precis.local.moto_http import _call
from precis.local.persistence import entities, requests, streams
from precis.local.persistence.journal import Entity, Journal, JournalUnavailable, encode

_S3_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code>'
    "<Message>The local stack cannot write its data to disk ({reason}); retry later.</Message>"
    "<RequestId>precis-journal</RequestId></Error>"
)
_DYNAMODB_ERROR = '{{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"{reason}"}}'


class Journaled:
    """`app` with every acknowledged S3 and DynamoDB write on disk before its answer."""

    def __init__(self, app: Callable, journal: Journal) -> None:
        self._app = app
        self.journal = journal
        # One lock per service: a write's apply, read-back and append are one step among the writes of its
        # service, and an S3 write never waits for DynamoDB (whose requests run one at a time, reads too:
        # a PutObject queued behind a slow Query was a cost of durability the in-memory stack had not).
        self._locks = {"s3": threading.Lock(), "dynamodb": threading.Lock()}
        journal.on_lost = self._stream_records_lost

    def _stream_records_lost(self) -> None:
        """A flush failed: stream records counted as journaled may not be on disk, so every stream's
        records go with the next write to its table (under the lock their counting is done under)."""
        with self._locks["dynamodb"]:
            streams.JOURNALED.forget()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        service = requests.service_of(environ)
        action = requests.dynamodb_action(environ) if service == "dynamodb" else None
        if service is None or (service == "dynamodb" and action is None):
            return self._app(environ, start_response)
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            self.journal.check_space(len(body))
            with self._locks[service]:
                status, headers, answer = _call(self._app, environ)
                position = 0
                if status.startswith("2"):
                    changed = (
                        requests.s3_entities(environ, body, answer)
                        if service == "s3"
                        else requests.dynamodb_entities(environ, action or "", requests.parse_json(body))
                    )
                    frames = [encode(entity, entities.capture(entity)) for entity in dict.fromkeys(changed)]
                    records, marks = streams.JOURNALED.pending(_tables(changed))
                    frames += [encode(entity, state) for entity, state in records]
                    position = self.journal.append(frames) if frames else 0
                    streams.JOURNALED.commit(marks)
            if position:
                self.journal.wait_durable(position)
        except JournalUnavailable as error:
            status, headers, answer = _unavailable(service, str(error))
        start_response(status, headers)
        return [answer]


def _tables(changed: list[Entity]) -> dict[streams.TableKey, Any]:
    """The DynamoDB tables among the changed entities (their streams may hold new records)."""
    found = {}
    for entity in changed:
        if entity[0] in ("item", "table") and (entity[1], entity[2], entity[3]) not in found:
            table = entities.dynamodb_tables(entity[1], entity[2]).get(entity[3])
            if table is not None:
                found[(entity[1], entity[2], entity[3])] = table
    return found


def _unavailable(service: str, reason: str) -> tuple[str, list[tuple[str, str]], bytes]:
    safe = reason.replace("<", " ").replace("&", " ").replace('"', "'")
    if service == "s3":
        body = _S3_ERROR.format(reason=safe).encode()
        return "503 Service Unavailable", [("Content-Type", "application/xml")], body
    body = _DYNAMODB_ERROR.format(reason=safe).encode()
    return "500 Internal Server Error", [("Content-Type", "application/x-amz-json-1.0")], body

"""moto's server as the local stack runs it: `python -m precis.local.moto_server -H HOST -p PORT`.

moto's WSGI app in one process, as `moto_server` runs it, with the costs taken off that one busy process
(every API call of the pipeline goes through it, under one GIL). Each answer stays moto's; only the work
to reach it shrinks.
- connections are kept alive (`precis.local.moto_http`): no TCP connect and no new thread per call.
- DynamoDB requests run one at a time. moto checks a condition and then changes the item in place,
  attribute by attribute, with no lock: on a threaded server two conditional writes could both pass and
  a read could see half an update. DynamoDB applies each write to an item atomically.
- moto lists its own package directory (a listdir and ~150 isdir calls) to route each request, under
  the dispatcher's global lock. The list is read once here: the installed package does not change.
- SQS reads the clock through datetime arithmetic (about 14 µs a call) twice per message each time it
  counts a queue, and it counts the whole queue on every SendMessage and every message received: a
  burst's backlog made each call cost milliseconds. Its clock here is time.time().
- SQS's retention check reads the queue's MessageRetentionPeriod directly instead of computing every
  queue attribute (three of which scan the queue) to read that one number.
- a Query on a secondary index reads that index's partition, not the whole table
  (`precis.local.indexed_query`): moto sorts every item of the table for each page.
- a DynamoDB expression naming a reserved word unaliased is refused as DynamoDB refuses it
  (`precis.local.dynamodb_reserved`): moto accepts some that AWS does not.
- S3 event notifications carry the object's `versionId` in a versioned bucket, as S3's do (moto's leave it
  out), so an upload's document id is the same whether its event or reconcile's sweep submits it.
- the request log is written in batches, without colour (werkzeug's own sends each line through
  colorama's ANSI filter under a lock). The lines are werkzeug's.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from moto import backends
from moto.core import utils
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3 import notifications as s3_notifications
from moto.sqs import models as sqs_models
from moto.sqs.models import Message, SQSBackend

from precis.local import indexed_query, persistence
from precis.local.dynamodb_reserved import RefuseReservedWords
from precis.local.gatekeeper import Gatekeeper
from precis.local.moto_http import RequestLog, make_server


def unix_time(dt: datetime | None = None) -> float:
    """moto's unix_time; now is read from time.time() rather than built from a datetime."""
    return time.time() if dt is None else utils.unix_time(dt)


def unix_time_millis(dt: datetime | None = None) -> float:
    return unix_time(dt) * 1000.0


def is_retained(backend: SQSBackend, queue_name: str, message: Message) -> bool:
    """moto's check, same answer: is the message still inside its queue's retention period?"""
    # moto sets a queue's attributes with setattr and types sent_timestamp None until the message is sent.
    retention_seconds = backend.get_queue(queue_name).message_retention_period  # type: ignore[attr-defined]
    return retention_seconds + message.sent_timestamp / 1000 > unix_time()  # type: ignore[operator]


def s3_events_with_version_ids() -> None:
    """moto's S3 event, with the object's versionId when the bucket is versioned."""
    moto_event = s3_notifications._get_s3_event

    def event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        body = moto_event(event_name, bucket, key, notification_id)
        if bucket.is_versioned and key.version_id:
            body["Records"][0]["s3"]["object"]["versionId"] = key.version_id
        return body

    s3_notifications._get_s3_event = event


def route_with_a_fixed_module_list() -> None:
    """moto's backend modules, listed once: the router asks for them on every request."""
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


class AtomicDynamoDB:
    """The WSGI app with every DynamoDB request (X-Amz-Target DynamoDB_*) run to its end under one lock."""

    def __init__(self, app: Callable) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self._app(environ, start_response)
        with self._lock:
            chunks = self._app(environ, start_response)
            try:
                return [b"".join(chunks)]
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m precis.local.moto_server")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("--moto-api", action="store_true", help="serve moto's /moto-api (reset, state)")
    parser.add_argument("--data-dir", help="keep S3 and DynamoDB on disk here (precis.local.persistence)")
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto.server sets it: moto builds URLs from it
    sqs_models.unix_time = unix_time
    sqs_models.unix_time_millis = unix_time_millis
    # The point of this module: replacing moto's method (same signature; mypy checks assignment to methods).
    SQSBackend.is_message_valid_based_on_retention_period = is_retained  # type: ignore[method-assign,assignment]
    route_with_a_fixed_module_list()
    s3_events_with_version_ids()
    indexed_query.install()
    moto_app = AtomicDynamoDB(DomainDispatcherApplication(create_backend_app))
    durable = persistence.durable(
        moto_app, args.data_dir
    )  # on disk before the answer (precis.local.persistence)
    indexed_query.read_restored()
    dynamodb_as_aws = RefuseReservedWords(durable)
    # Outermost: only AWS clients reach moto at all (precis.local.gatekeeper).
    app = Gatekeeper(dynamodb_as_aws, args.port, moto_api=args.moto_api)
    log = RequestLog(sys.stderr.buffer)
    server = make_server(args.host, args.port, app, log)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    finally:
        server.server_close()
        log.close()


if __name__ == "__main__":
    main()

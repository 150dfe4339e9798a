"""moto's server as the local stack runs it: `python -m precis.local.moto_server -H HOST -p PORT`.

moto.server itself, with four costs taken off its one busy process (every API call of the pipeline
goes through it, under one GIL). Each answer stays moto's; only the work to reach it shrinks.
- moto lists its own package directory (a listdir and ~150 isdir calls) to route each request, under
  the dispatcher's global lock. The list is read once here: the installed package does not change.
- SQS reads the clock through datetime arithmetic (about 14 µs a call) twice per message each time it
  counts a queue, and it counts the whole queue on every SendMessage and every message received: a
  burst's backlog made each call cost milliseconds. Its clock here is time.time().
- SQS's retention check reads the queue's MessageRetentionPeriod directly instead of computing every
  queue attribute (three of which scan the queue) to read that one number.
- the request log is written by a plain stream handler; werkzeug's own sends each line through
  colorama's ANSI filter. The lines are the same.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime

from moto import backends, server
from moto.core import utils
from moto.sqs import models as sqs_models
from moto.sqs.models import Message, SQSBackend


def unix_time(dt: datetime | None = None) -> float:
    """moto's unix_time; now is read from time.time() rather than built from a datetime."""
    return time.time() if dt is None else utils.unix_time(dt)


def unix_time_millis(dt: datetime | None = None) -> float:
    return unix_time(dt) * 1000.0


def is_retained(backend: SQSBackend, queue_name: str, message: Message) -> bool:
    """moto's check, same answer: is the message still inside its queue's retention period?"""
    retention_seconds = backend.get_queue(queue_name).message_retention_period
    return retention_seconds + message.sent_timestamp / 1000 > unix_time()


def route_with_a_fixed_module_list() -> None:
    """moto's backend modules, listed once: the router asks for them on every request."""
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def plain_request_log() -> None:
    """werkzeug's request lines, formatted as its own handler formats them, without colorama."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    werkzeug_log = logging.getLogger("werkzeug")
    werkzeug_log.setLevel(logging.INFO)
    werkzeug_log.addHandler(handler)


def main(argv: list[str] | None = None) -> None:
    sqs_models.unix_time = unix_time
    sqs_models.unix_time_millis = unix_time_millis
    SQSBackend.is_message_valid_based_on_retention_period = is_retained
    route_with_a_fixed_module_list()
    plain_request_log()
    server.main(argv)


if __name__ == "__main__":
    main()

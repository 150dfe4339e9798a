"""`python -m precis.local.foreground`: one local stack in the foreground until SIGINT or SIGTERM.

`precis local up` runs `run_foreground` in its own process; `precis local up --detach` starts this
module in the background and `precis local down` signals it through the state file.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from precis.local.errors import StackError
from precis.local.stack import LocalStack
from precis.local.state import claim_state, release_state, state_file, write_state

STACK_READY = "precis-local ready"
STATE_LOST = (
    "all of the stack's state (buckets, objects, table, queues, topics) was in its memory (--ephemeral), "
    "so the stack stops; `precis local up` starts a new, empty one"
)


@contextlib.contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM, with the previous handlers restored afterwards."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_foreground(
    stack: LocalStack, path: Path | None = None, announce: Callable[[str], None] = print
) -> int:
    """Starts the stack, records its state, serves until SIGINT/SIGTERM or moto's server dies, then stops it.
    Each restart of another process is announced and recorded in the state file."""
    path = path or state_file()

    def supervised(line: str) -> None:
        announce(f"precis-local: {line}")
        write_state(stack.state(), path)

    stack.supervisor.on_event = supervised
    with stop_signals() as stop:
        try:
            claim_state(path)
        except StackError as exc:
            announce(f"precis-local failed to start: {exc}")
            return 1
        try:
            stack.start()
            write_state(stack.state(), path)
            for line in stack.restore_report():
                announce(f"precis-local: {line}")
            announce(
                f"{STACK_READY} on {stack.endpoint_url} (endpoint {stack.endpoint_runtime_url}) "
                f"in {stack.startup_seconds:.1f} s"
            )
            dead = stack.wait(stop)
            if dead is not None:
                announce(f"{dead.name} {dead.exit_description}: {STATE_LOST}.\n{dead.tail()}")
            return 0 if dead is None else 1
        except StackError as exc:
            announce(f"precis-local failed to start: {exc}")
            return 1
        finally:
            stack.stop()
            release_state(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m precis.local.foreground", description=__doc__)
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--instance-start-delay", type=float)
    parser.add_argument("--inference-script")
    parser.add_argument("--model-dir")
    parser.add_argument("--function-concurrency", type=int, default=1)
    parser.add_argument("--state-file", type=Path)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--ephemeral", action="store_true")
    args = parser.parse_args(argv)
    stack = LocalStack(
        args.port,
        time_scale=args.time_scale,
        instance_start_delay=args.instance_start_delay,
        inference_script=args.inference_script,
        model_dir=args.model_dir,
        function_concurrency=args.function_concurrency,
        data_dir=args.data_dir,
        ephemeral=args.ephemeral,
    )
    return run_foreground(stack, args.state_file, announce=lambda text: print(text, flush=True))


if __name__ == "__main__":
    sys.exit(main())

"""`python -m precis.local.sagemaker`: the template's async endpoint on 127.0.0.1 until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import sys
import threading
from pathlib import Path

import boto3
from botocore.config import Config

from precis import paths
from precis.local.clock import ScaledClock
from precis.local.gatekeeper import ADMIN_SECRET_VARIABLE
from precis.local.sagemaker.endpoint import READY, LocalEndpoint
from precis.local.sagemaker.endpoint_settings import MODEL_SERVER_TIMEOUT, EndpointSettings
from precis.local.sagemaker.journal import RequestJournal
from precis.template import load_stack

DEFAULT_START_DELAY = 30.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m precis.local.sagemaker", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--aws-endpoint-url", required=True, help="moto's server, e.g. http://127.0.0.1:4566")
    parser.add_argument("--template", type=Path, default=None, help="template.yaml (default: the project's)")
    parser.add_argument("--stack-name", default="precis-local")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--time-scale", type=float, default=1.0, help="simulated seconds per real second")
    parser.add_argument(
        "--instance-start-delay",
        type=float,
        default=DEFAULT_START_DELAY,
        help=f"simulated seconds before a new instance serves (default {DEFAULT_START_DELAY:g})",
    )
    parser.add_argument(
        "--inference-script", type=Path, default=None, help="default: model/code/inference.py"
    )
    parser.add_argument("--model-dir", type=Path, default=None, help="passed to model_fn (default: model/)")
    parser.add_argument(
        "--journal",
        type=Path,
        default=None,
        help="SQLite file of accepted requests, resumed on start (default: in memory, lost on exit)",
    )
    return parser.parse_args(argv)


def aws_clients(endpoint_url: str, region: str) -> dict:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=region
    )
    # Legacy retries have no retry quota: every request rides out a restart of moto's server (a few
    # seconds of refused connections) instead of failing once the quota of standard retries is spent.
    config = Config(max_pool_connections=32, retries={"mode": "legacy", "max_attempts": 10})
    return {
        name: session.client(name, endpoint_url=endpoint_url, config=config)
        for name in ("s3", "sns", "cloudwatch")
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="precis-endpoint %(levelname)s %(message)s", stream=sys.stderr
    )
    stack = load_stack(args.template, stack_name=args.stack_name, region=args.region)
    timeout = EndpointSettings.from_stack(stack).model_server_timeout
    if timeout:
        # The container's variable, on the endpoint's scaled clock: the script stops work at the timeout.
        os.environ[MODEL_SERVER_TIMEOUT] = f"{ScaledClock(args.time_scale).real(timeout):g}"
    try:
        journal = RequestJournal(args.journal) if args.journal else None
    except (OSError, sqlite3.Error) as error:
        print(
            f"precis-endpoint: cannot open the request journal {args.journal}: {error} "
            "(its directory must exist or be creatable, and be writable)",
            file=sys.stderr,
            flush=True,
        )
        return 2
    endpoint = LocalEndpoint.from_stack(
        stack,
        clients=aws_clients(args.aws_endpoint_url, args.region),
        inference_script=args.inference_script or paths.model_code_dir() / "inference.py",
        model_dir=args.model_dir or paths.project_root() / "model",
        instance_start_delay=args.instance_start_delay,
        port=args.port,
        time_scale=args.time_scale,
        journal=journal,
        admin_secret=os.environ.pop(ADMIN_SECRET_VARIABLE, None),  # not passed on to the model
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with endpoint:
        print(f"{READY}{endpoint.url}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

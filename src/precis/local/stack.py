"""The whole precis pipeline on 127.0.0.1: moto's server with the template's resources, the local
SageMaker async endpoint, and one process per Lambda execution environment fed the events the template
wires to its function.

`LocalStack` is the Python API (tests, the demo, benchmarks); `precis.local.foreground` runs one until
SIGINT/SIGTERM. The parts: `wiring` (each function from the template), `provisioning` (resources in
moto), `supervisor` (the processes, restarted when they die), `state` (the state file of a running
stack). Only moto's server dying ends a stack: all of its state is in that process's memory.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from precis import paths
from precis.local import lambda_runtime
from precis.local.errors import StackError
from precis.local.liveness import HeartbeatFile, HttpPing
from precis.local.ports import free_port_pair
from precis.local.provisioning import provision
from precis.local.sagemaker import service as endpoint_service
from precis.local.sagemaker.server import PING_PATH, STATUS_PATH
from precis.local.supervisor import ChildProcess, Supervisor
from precis.local.wiring import FunctionWiring, wire_functions
from precis.template import Stack, load_stack

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
# What the children inherit from the caller's environment; everything else they get is set here.
_INHERITED = ("PATH", "HOME", "LANG", "TMPDIR", "PRECIS_ROOT", "PYTHONPATH")


class LocalStack:
    """The pipeline of template.yaml on 127.0.0.1: `with LocalStack() as stack: stack.client("s3")...`."""

    def __init__(
        self,
        port: int = 0,
        *,
        time_scale: float = 1.0,
        instance_start_delay: float | None = None,
        inference_script: Path | str | None = None,
        model_dir: Path | str | None = None,
        template: Path | None = None,
        stack_name: str = "precis-local",
        region: str = "us-east-1",
        log_dir: Path | None = None,
        function_concurrency: int = 1,
    ):
        if time_scale <= 0:
            raise StackError("--time-scale must be positive")
        if function_concurrency < 1:
            raise StackError("function concurrency must be at least 1")
        self.requested_port = port
        self.time_scale = time_scale
        self.instance_start_delay = instance_start_delay
        self.inference_script = inference_script
        self.model_dir = model_dir
        self.template = Path(template) if template else paths.template_path()
        # The endpoint process resolves the same template with the same name and region (no overrides).
        self.stack: Stack = load_stack(self.template, stack_name=stack_name, region=region)
        self.functions: dict[str, FunctionWiring] = wire_functions(
            self.stack, time_scale, self.template.parent
        )
        self.state_dir = paths.project_root() / ".precis" / "local"
        self.log_dir = Path(log_dir) if log_dir else self.state_dir / "logs"
        self.function_concurrency = function_concurrency
        self.port = 0
        self.supervisor = Supervisor(self.log_dir)
        self.startup_seconds = 0.0
        self.started_at = 0.0
        self._session: boto3.Session | None = None

    # --- what users and tests read ---------------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint_runtime_url(self) -> str:
        return f"http://127.0.0.1:{self.port + 1}"

    @property
    def outputs(self) -> dict[str, str]:
        return dict(self.stack.outputs)

    @property
    def region(self) -> str:
        return self.stack.region

    def session(self) -> boto3.Session:
        if self._session is None:  # one session: loading botocore's models per client costs ~0.2 s
            self._session = boto3.Session(
                aws_access_key_id="test", aws_secret_access_key="test", region_name=self.region
            )
        return self._session

    def client(self, service: str, **kwargs: Any):
        """A boto3 client against the stack; `sagemaker-runtime` goes to the local endpoint."""
        url = self.endpoint_runtime_url if service == "sagemaker-runtime" else self.endpoint_url
        kwargs.setdefault("config", Config(retries={"mode": "standard", "max_attempts": 5}))
        return self.session().client(service, endpoint_url=url, **kwargs)

    def aws_environment(self) -> dict[str, str]:
        """What a process needs to reach the stack with any AWS SDK or the AWS CLI."""
        return {
            **CREDENTIALS,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": self.endpoint_runtime_url,
        }

    @property
    def journal_path(self) -> Path:
        """The endpoint's journal of accepted requests; it lives as long as moto's state (this run)."""
        return self.state_dir / f"endpoint-journal-{self.port}.sqlite3"

    def endpoint_status(self) -> dict:
        """The local endpoint's own view: instances, backlog, counts, scaling activities."""
        with urllib.request.urlopen(f"{self.endpoint_runtime_url}{STATUS_PATH}", timeout=5) as response:
            return json.loads(response.read())

    def pids(self) -> dict[str, int]:
        return self.supervisor.pids()

    def state(self) -> dict:
        """What the state file records about the running stack (precis.local.state)."""
        return {
            "pid": os.getpid(),
            "port": self.port,
            "endpoint_url": self.endpoint_url,
            "endpoint_runtime_url": self.endpoint_runtime_url,
            "stack_name": self.stack.name,
            "region": self.region,
            "time_scale": self.time_scale,
            "processes": self.pids(),
            "restarts": self.supervisor.restarts(),
            "log_dir": str(self.log_dir),
            "outputs": self.outputs,
            "started_at": self.started_at,
        }

    # --- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> LocalStack:
        """Every process starts at once (their imports overlap); moto is provisioned as soon as it listens."""
        started = time.monotonic()
        self.started_at = time.time()
        self.port = free_port_pair(self.requested_port)
        self._remove_journal()  # left by a stack on this port that died: its moto state is gone
        try:
            moto = self.supervisor.spawn(
                "moto", self._moto_command(), self._base_environment(), None, essential=True
            )
            self.supervisor.spawn(
                "endpoint",
                self._endpoint_command(),
                self._base_environment(),
                endpoint_service.READY,
                liveness=HttpPing(f"{self.endpoint_runtime_url}{PING_PATH}"),
            )
            for function in self.functions.values():
                self._spawn_function(function)
            moto.wait_listening(self.port)
            provision(self.stack, self.client, list(self.functions.values()))
            self.supervisor.wait_ready()
            self.supervisor.supervise()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        """Every process stopped: functions first, moto last; the journal goes with moto's state."""
        self.supervisor.stop()
        if self.port:
            self._remove_journal()

    def wait(self, stop: threading.Event) -> ChildProcess | None:
        """Blocks until `stop` is set or moto's server dies (returned, so the caller can say so); the other
        processes are restarted when they die."""
        return self.supervisor.wait(stop)

    # --- internals ---------------------------------------------------------------------------------
    def _spawn_function(self, function: FunctionWiring) -> None:
        """One process per execution environment, all polling the function's queue; one keeps the schedule."""
        env = function.environment(self.aws_environment())
        if "PYTHONPATH" in os.environ:  # the workers import the stack's own code
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        for name, config in function.execution_environments(self.function_concurrency):
            heartbeat = self.log_dir / f"{name}.heartbeat"
            config = replace(config, heartbeat_path=str(heartbeat))
            command = [sys.executable, "-m", "precis.local.lambda_runtime", config.to_json()]
            self.supervisor.spawn(name, command, env, lambda_runtime.READY, liveness=HeartbeatFile(heartbeat))

    def _remove_journal(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.journal_path}{suffix}").unlink(missing_ok=True)

    def _base_environment(self) -> dict[str, str]:
        return {
            **{key: os.environ[key] for key in _INHERITED if key in os.environ},
            **CREDENTIALS,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8",
        }

    def _moto_command(self) -> list[str]:
        return [sys.executable, "-m", "precis.local.moto_server", "-H", "127.0.0.1", "-p", str(self.port)]

    def _endpoint_command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "precis.local.sagemaker",
            "--port",
            str(self.port + 1),
            "--aws-endpoint-url",
            self.endpoint_url,
            "--template",
            str(self.template),
            "--stack-name",
            self.stack.name,
            "--region",
            self.region,
            "--time-scale",
            str(self.time_scale),
            "--journal",
            str(self.journal_path),
        ]
        if self.instance_start_delay is not None:
            command += ["--instance-start-delay", str(self.instance_start_delay)]
        if self.inference_script:
            command += ["--inference-script", str(self.inference_script)]
        if self.model_dir:
            command += ["--model-dir", str(self.model_dir)]
        return command

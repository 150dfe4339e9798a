"""The whole precis pipeline on 127.0.0.1: moto's server with the template's resources, the local
SageMaker async endpoint, and one process per Lambda execution environment fed the events the template
wires to its function.

`LocalStack` is the Python API (tests, the demo, benchmarks); `precis.local.foreground` runs one until
SIGINT/SIGTERM. The parts: `wiring` (each function from the template), `provisioning` (resources in
moto), `supervisor` (the processes, restarted when they die), `state` (the state file of a running
stack). The stack's data (S3, DynamoDB, the endpoint's journal) is kept in `data_dir` by default
(precis.local.persistence): a moto server that dies is restarted and restored like the other processes,
and what was in flight is finished (precis.local.recovery). An `ephemeral` stack keeps it in memory
only, and then moto's death ends the stack.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from precis import paths
from precis.local import lambda_runtime, persistence, recovery
from precis.local.errors import StackError
from precis.local.gatekeeper import ADMIN_SECRET_VARIABLE, admin_call
from precis.local.liveness import HeartbeatFile, HttpPing
from precis.local.persistence import layout
from precis.local.ports import free_port_pair
from precis.local.provisioning import provision
from precis.local.sagemaker import endpoint as local_endpoint
from precis.local.sagemaker.server import PING_PATH
from precis.local.state import pid_alive
from precis.local.supervisor import ChildProcess, Supervisor
from precis.local.wiring import FunctionWiring, wire_functions
from precis.template import Stack, load_stack

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
_MOTO_NOTE = "precis-moto: "
# What the children inherit from the caller's environment; everything else they get is set here.
_INHERITED = ("PATH", "HOME", "LANG", "TMPDIR", "PRECIS_ROOT")


def aws_environment(region: str, endpoint_url: str, endpoint_runtime_url: str) -> dict[str, str]:
    """What a process needs to reach a local stack with any AWS SDK or the AWS CLI (its state file has
    the URLs and region)."""
    return {
        **CREDENTIALS,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": endpoint_runtime_url,
    }


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
        moto_api: bool = False,
        data_dir: Path | None = None,
        ephemeral: bool = False,
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
        self.data_dir: Path | None = None if ephemeral else Path(data_dir or self.state_dir / "data")
        self.restored: dict | None = None
        """What moto's server restored from the data directory (precis.local.persistence.restore)."""
        self.unclean: dict | None = None
        """The previous stack on this data, when it did not stop cleanly (its pid and start time)."""
        self.finished: dict = {}
        """What was in flight and finished at start (precis.local.recovery.finish_in_flight)."""
        self.function_concurrency = function_concurrency
        self.moto_api = moto_api
        # The endpoint's admin API (/_precis/…) answers only with this (precis.local.gatekeeper); the CLI
        # reads it from the state file.
        self.admin_secret = secrets.token_urlsafe(32)
        self.port = 0
        self.supervisor = Supervisor(self.log_dir)
        self.startup_seconds = 0.0
        self.started_at = 0.0
        self._session: boto3.Session | None = None
        self._stopped = threading.Event()

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

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client against the stack; `sagemaker-runtime` goes to the local endpoint."""
        url = self.endpoint_runtime_url if service == "sagemaker-runtime" else self.endpoint_url
        kwargs.setdefault("config", Config(retries={"mode": "standard", "max_attempts": 5}))
        # boto3's stubs type client() per literal service name, which `service` is not here.
        return self.session().client(service, endpoint_url=url, **kwargs)  # type: ignore[call-overload]

    def aws_environment(self) -> dict[str, str]:
        """What a process needs to reach the stack with any AWS SDK or the AWS CLI."""
        return aws_environment(self.region, self.endpoint_url, self.endpoint_runtime_url)

    @property
    def journal_path(self) -> Path:
        """The endpoint's journal of accepted requests; it lives as long as moto's state: in the data
        directory, or for this run only when the stack is ephemeral."""
        if self.data_dir is not None:
            return self.data_dir / "endpoint-journal.sqlite3"
        return self.state_dir / f"endpoint-journal-{self.port}.sqlite3"

    def endpoint_status(self) -> dict:
        """The local endpoint's own view: instances, backlog, counts, scaling activities."""
        return self.endpoint_admin("status")

    def endpoint_admin(self, path: str, changes: dict | None = None, timeout: float = 5) -> dict:
        """The endpoint's admin API: GET /_precis/<path>, or POST `changes` to it (faults)."""
        return admin_call(self.endpoint_runtime_url, path, self.admin_secret, changes, timeout)

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
            "admin_secret": self.admin_secret,
            "data_dir": str(self.data_dir) if self.data_dir else None,
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
        if self.data_dir is None:
            self._remove_journal()  # left by a stack on this port that died: its moto state is gone
        else:
            self._open_data(self.data_dir)
        try:
            moto = self.supervisor.spawn(
                "moto",
                self._moto_command(),
                self._base_environment(),
                persistence.READY,
                essential=self.data_dir is None,
            )
            moto.after_restart = self._moto_restarted
            threading.Thread(target=self._relay, args=(moto,), name="moto-notes", daemon=True).start()
            endpoint_env = {**self._base_environment(), ADMIN_SECRET_VARIABLE: self.admin_secret}
            self.supervisor.spawn(
                "endpoint",
                self._endpoint_command(),
                endpoint_env,
                local_endpoint.READY,
                liveness=HttpPing(f"{self.endpoint_runtime_url}{PING_PATH}"),
            )
            for function in self.functions.values():
                self._spawn_function(function)
            moto.wait_listening(self.port)
            self.restored = _restored(moto.ready_line if moto.printed_ready() else "")
            provision(self.stack, self.client, list(self.functions.values()))
            self.supervisor.wait_ready()
            if self.data_dir is not None:
                self.finished = self._finish_in_flight()
            self.supervisor.supervise()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        """Every process stopped: functions first, moto last. An ephemeral stack's endpoint journal goes
        with moto's state; durable data is marked as cleanly stopped."""
        self._stopped.set()
        self.supervisor.stop()
        if self.port and self.data_dir is None:
            self._remove_journal()
        elif self.port and self.data_dir is not None:
            layout.mark_stopped(self.data_dir)

    def restore_report(self) -> list[str]:
        """What `precis local up` says about the data: an unclean stop before, what came back, what was
        still to do."""
        lines = []
        if self.unclean:
            started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.unclean.get("started_at", 0)))
            lines.append(
                f"the last stack on {self.data_dir} (pid {self.unclean.get('pid')}, started {started}) "
                "did not stop cleanly; its data was recovered from the journal"
            )
        open_requests = 0
        if self.data_dir is not None:
            with contextlib.suppress(OSError, ValueError):
                journal = self.endpoint_status().get("journal", {})
                open_requests = sum(journal.get(state, 0) for state in ("queued", "running", "stored"))
        lines.append(recovery.describe(self.restored, self.finished, open_requests))
        return lines

    def wait(self, stop: threading.Event) -> ChildProcess | None:
        """Blocks until `stop` is set or moto's server dies (returned, so the caller can say so); the other
        processes are restarted when they die."""
        return self.supervisor.wait(stop)

    # --- internals ---------------------------------------------------------------------------------
    def _open_data(self, data_dir: Path) -> None:
        """Refuses data of another version before anything starts; notes an unclean stop before this one."""
        try:
            layout.check_version(data_dir)
        except layout.IncompatibleData as error:
            raise StackError(str(error)) from None
        holder = layout.running(data_dir)
        if holder and holder.get("pid") != os.getpid() and pid_alive(int(holder.get("pid", 0))):
            raise StackError(f"another local stack (pid {holder['pid']}) is using the data in {data_dir}")
        layout.mark_running(data_dir, os.getpid())
        self.unclean = holder if holder and holder.get("pid") != os.getpid() else None

    def _finish_in_flight(self) -> dict:
        return recovery.finish_in_flight(self.client, self.outputs, self.functions, self.aws_environment())

    def _relay(self, moto: ChildProcess) -> None:
        """What moto's server says about its data (`precis-moto: ...`, such as a disk that is full and
        then writable again), announced in the stack's output as it is written to moto's log."""
        offset = moto.log_path.stat().st_size if moto.log_path.exists() else 0
        while not self._stopped.wait(0.5):
            try:
                with moto.log_path.open("rb") as log:
                    if log.seek(0, os.SEEK_END) < offset:
                        offset = 0  # the log was rotated when moto's server restarted
                    log.seek(offset)
                    text = log.read()
            except OSError:
                continue
            complete = text[: text.rfind(b"\n") + 1]
            offset += len(complete)
            for line in complete.decode("utf-8", errors="replace").splitlines():
                if line.startswith(_MOTO_NOTE):
                    self.supervisor.announce(line.removeprefix(_MOTO_NOTE))

    def _moto_restarted(self) -> None:
        """moto's server restarted on the data directory: its queues, topics and notifications again,
        then what its death left in flight."""
        moto = next(child for child in self.supervisor.children if child.name == "moto")
        moto.wait_listening(self.port)
        self.restored = _restored(moto.ready_line)
        provision(self.stack, self.client, list(self.functions.values()))
        self.finished = self._finish_in_flight()
        self.supervisor.announce(f"moto restored its data: {self.restore_report()[-1]}")

    def _spawn_function(self, function: FunctionWiring) -> None:
        """One process per execution environment, all polling the function's queue; one keeps the schedule."""
        env = function.environment(self.aws_environment())
        for name, config in function.execution_environments(self.function_concurrency):
            config = replace(config, checkpoint_dir=str(self.stream_checkpoints))
            heartbeat = self.log_dir / f"{name}.heartbeat"
            config = replace(config, heartbeat_path=str(heartbeat))
            command = [sys.executable, "-m", "precis.local.lambda_runtime", config.to_json()]
            self.supervisor.spawn(name, command, env, lambda_runtime.READY, liveness=HeartbeatFile(heartbeat))

    @property
    def stream_checkpoints(self) -> Path:
        """Where the stream pollers keep their positions: like the journal, as long as moto's state (its
        streams are restored with the data: a position kept per port would start a stack on other ports
        at the streams' start, copying every completion again)."""
        if self.data_dir is not None:
            return self.data_dir / "stream-checkpoints"
        return self.state_dir / f"stream-checkpoints-{self.port}"

    def _remove_journal(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.journal_path}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(self.stream_checkpoints, ignore_errors=True)

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
        command = [sys.executable, "-m", "precis.local.moto_server", "-H", "127.0.0.1", "-p", str(self.port)]
        command += ["--data-dir", str(self.data_dir)] if self.data_dir else []
        return command + ["--moto-api"] if self.moto_api else command

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


def _restored(ready_line: str) -> dict | None:
    """What moto's ready line says it restored (None for an in-memory server)."""
    _, _, restored = ready_line.partition(persistence.READY)
    try:
        return json.loads(restored)
    except ValueError:
        return None

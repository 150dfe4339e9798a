"""`precis local up/down/status/reset/outputs/demo`: the whole pipeline offline on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from precis import paths
from precis.cli import debug_events, invoke
from precis.cli.console import EXIT_FAILED, console, fail, print_json, shown
from precis.cli.demo import run_demo
from precis.cli.resources import choose_target, describe
from precis.cli.stack_options import JsonOption
from precis.cli.stray_uploads import StrayUploads, stray_uploads
from precis.local.errors import StackError
from precis.local.foreground import STACK_READY, run_foreground
from precis.local.gatekeeper import admin_call
from precis.local.persistence import layout
from precis.local.stack import LocalStack
from precis.local.state import pid_alive, read_state, state_file
from precis.template import TemplateError, local_outputs

local_app = typer.Typer(
    help="Run the whole pipeline offline on 127.0.0.1 (moto, a local async endpoint, the Lambda handlers).",
    no_args_is_help=True,
)

PortOption = Annotated[
    int, typer.Option("--port", help="moto's server port; the endpoint listens on the next one.")
]
TimeScaleOption = Annotated[
    float,
    typer.Option(
        "--time-scale",
        min=0.001,
        help="Simulated seconds per real second for every clock of the stack: alarms, cooldowns, "
        "instance starts, TTLs, timeouts, Lambda retries, schedules, queue visibility.",
    ),
]
StartDelayOption = Annotated[
    float | None,
    typer.Option(
        "--instance-start-delay",
        help="Simulated seconds an endpoint instance takes to start (default: the endpoint's).",
    ),
]
ScriptOption = Annotated[
    Path | None,
    typer.Option("--inference-script", help="Inference script to serve (default model/code/inference.py)."),
]
ConcurrencyOption = Annotated[
    int,
    typer.Option("--function-concurrency", min=1, help="Execution environments (processes) per function."),
]
ModelDirOption = Annotated[
    Path | None,
    typer.Option(
        "--model-dir", help="A local transformers model directory instead of the offline extractive engine."
    ),
]

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where the stack keeps its data (default .precis/local/data)."),
]

_DETACH_TIMEOUT_SECONDS = 90


def default_data_dir() -> Path:
    return paths.project_root() / ".precis" / "local" / "data"


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    app.add_typer(local_app, name="local")
    invoke.register(local_app)
    debug_events.register(local_app)


@local_app.command()
def up(
    port: PortOption = 4566,
    time_scale: TimeScaleOption = 1.0,
    instance_start_delay: StartDelayOption = None,
    inference_script: ScriptOption = None,
    model_dir: ModelDirOption = None,
    function_concurrency: ConcurrencyOption = 1,
    detach: Annotated[
        bool, typer.Option("--detach", help="Start in the background; stop with `precis local down`.")
    ] = False,
    data_dir: DataDirOption = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Delete the kept data first: start empty.")] = False,
    ephemeral: Annotated[
        bool, typer.Option("--ephemeral", help="Keep nothing on disk (all state in memory, as in tests).")
    ] = False,
) -> None:
    """Start moto's server with the template's resources, the local endpoint and the functions; the
    buckets, records and work in flight of the last stack come back from the data directory."""
    running = read_state()
    if running:
        raise fail(
            f"a local stack is already running on {running.get('endpoint_url', '(starting)')} "
            f"(pid {running['pid']}); "
            "`precis local down` stops it"
        )
    data = (data_dir or default_data_dir()).resolve()
    if fresh and not ephemeral:
        _remove(data)
        console.print(f"started over: deleted the data in {data}", highlight=False)
    settings: dict[str, Any] = {
        "time_scale": time_scale,
        "instance_start_delay": instance_start_delay,
        "inference_script": inference_script.resolve() if inference_script else None,
        "model_dir": model_dir.resolve() if model_dir else None,
        "function_concurrency": function_concurrency,
        "data_dir": None if ephemeral else data,
        "ephemeral": ephemeral or None,
    }
    if detach:
        _start_detached(_stack_options(port, settings))
        return
    try:
        stack = LocalStack(port, **settings)
    except (StackError, TemplateError) as error:
        raise fail(str(error)) from None
    console.print(f"starting the local stack from {stack.template} (logs in {stack.log_dir}) ...")
    code = run_foreground(stack, announce=lambda text: _announce(stack, text))
    console.print("local stack stopped")
    raise typer.Exit(code)


def _announce(stack: LocalStack, text: str) -> None:
    console.print(text, highlight=False, soft_wrap=True)
    if text.startswith(STACK_READY):
        console.print(_outputs_table(stack.outputs))
        console.print(
            f"try: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region {stack.region} "
            f"--endpoint-url {stack.endpoint_url} s3 cp article.txt "
            f"s3://{stack.outputs['InputBucketName']}/incoming/\nCtrl-C stops the stack.",
            highlight=False,
        )


def _stack_options(port: int, settings: dict) -> list[str]:
    """The same settings as `python -m precis.local.foreground` flags."""
    options = ["--port", str(port)]
    for name, value in settings.items():
        if value is True:
            options.append(f"--{name.replace('_', '-')}")
        elif value is not None:
            options += [f"--{name.replace('_', '-')}", str(value)]
    return options


def _start_detached(options: list[str]) -> None:
    """Runs `python -m precis.local.foreground` in its own session and waits for its ready line in the log."""
    log_path = paths.project_root() / ".precis" / "local" / "logs" / "stack.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a") as log:
        start = log.tell()
        process = subprocess.Popen(
            [sys.executable, "-m", "precis.local.foreground", *options],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + _DETACH_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        output = _read_from(log_path, start)
        if process.poll() is not None:
            raise fail(f"the local stack exited while starting:\n{output[-3000:]}")
        if STACK_READY in output:
            for line in output.splitlines():
                if line.startswith("precis-local: "):
                    console.print(line, highlight=False, soft_wrap=True)
            state = read_state()
            assert state is not None  # the stack writes its state file before it prints STACK_READY
            console.print(
                f"{STACK_READY} on {state['endpoint_url']} (pid {process.pid}); `precis local down` stops it",
                highlight=False,
            )
            return
        time.sleep(0.2)
    process.terminate()
    raise fail(f"the local stack did not start in {_DETACH_TIMEOUT_SECONDS} s; see {log_path}")


def _read_from(path: Path, offset: int) -> str:
    """The log's text from `offset` (what this run wrote: the log is appended to)."""
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", errors="replace")


@local_app.command()
def down(timeout: Annotated[float, typer.Option(help="Seconds to wait before killing.")] = 20.0) -> None:
    """Stop the local stack started with `precis local up --detach` (or running in another terminal)."""
    path = state_file()
    state = read_state(path)
    if state is None:
        path.unlink(missing_ok=True)
        console.print("no local stack is running")
        return
    pid = int(state["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid_alive(pid):
        for child_pid in [*state.get("processes", {}).values(), pid]:
            if pid_alive(int(child_pid)):
                os.kill(int(child_pid), signal.SIGKILL)
        console.print(f"[yellow]the stack did not stop in {timeout:.0f} s and was killed[/]")
    path.unlink(missing_ok=True)
    console.print(f"local stack on {state.get('endpoint_url', '(starting)')} stopped")


@local_app.command()
def reset(
    data_dir: DataDirOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Delete the local stack's kept data (objects, records, the endpoint's journal): `up` starts empty."""
    data = (data_dir or default_data_dir()).resolve()
    if read_state() is not None:
        raise fail("a local stack is running: `precis local down` first", EXIT_FAILED)
    if not data.exists():
        console.print(f"no data in {data}", highlight=False)
        return
    size = _megabytes(layout.size_bytes(data))
    if not yes and not typer.confirm(f"delete {size} of local stack data in {data}?"):
        raise typer.Exit(EXIT_FAILED)
    _remove(data)
    console.print(f"deleted {size} in {data}", highlight=False)


def _remove(data: Path) -> None:
    try:
        layout.remove(data)
    except layout.IncompatibleData as error:
        raise fail(str(error)) from None


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


@local_app.command()
def status(as_json: JsonOption = False) -> None:
    """The running stack's processes (pid, alive, restarts), its endpoint (instances, backlog, journal)
    and its data on disk."""
    state = read_state()
    if state is None or "processes" not in state:
        kept_in = default_data_dir()
        size = _megabytes(layout.size_bytes(kept_in))
        kept = f"; {size} of data kept in {kept_in}" if kept_in.exists() else ""
        raise fail(f"no local stack is running: `precis local up` starts it{kept}", EXIT_FAILED)
    restarts = state.get("restarts", {})
    processes = {
        name: {"pid": pid, "alive": pid_alive(int(pid)), "restarts": restarts.get(name, 0)}
        for name, pid in state["processes"].items()
    }
    endpoint = _endpoint_status(state["endpoint_runtime_url"], state.get("admin_secret"))
    stray, bucket = _stray_uploads()
    data_dir = state.get("data_dir")
    data_bytes = layout.size_bytes(Path(data_dir)) if data_dir else 0
    data = {"dir": data_dir, "bytes": data_bytes}
    if as_json:
        outside = {"count": stray.count, "examples": stray.examples} if stray else None
        print_json(
            {
                "pid": state["pid"],
                "processes": processes,
                "endpoint": endpoint,
                "data": data,
                "outside_incoming": outside,
            }
        )
        return
    console.print(f"precis-local on {state['endpoint_url']} (pid {state['pid']})", highlight=False)
    kept = f"{_megabytes(data_bytes)} in {data_dir}" if data_dir else "in memory only (--ephemeral)"
    console.print(f"data: {kept}", highlight=False)
    table = Table()
    for column in ("process", "pid", "alive", "restarts"):
        table.add_column(column)
    for name, process in processes.items():
        alive = "yes" if process["alive"] else "no"
        table.add_row(name, str(process["pid"]), alive, str(process["restarts"]))
    console.print(table)
    if endpoint is None:
        console.print("endpoint: not answering (a restart may be under way)")
        return
    journal = ", ".join(f"{state} {count}" for state, count in endpoint["journal"].items())
    console.print(
        f"endpoint: {endpoint['in_service']} of {endpoint['instances']} instances in service, "
        f"backlog {endpoint['backlog']}, journal: {journal}",
        highlight=False,
    )
    if stray and stray.count:
        console.print(f"[yellow]{shown(stray.advice(bucket))}[/]", highlight=False)
    fault = endpoint.get("journal_fault")
    if fault:
        since = time.strftime("%H:%M:%S", time.localtime(fault["since"]))
        console.print(
            f"[red]journal: cannot be written since {since} ({shown(fault['error'])}); "
            f"{fault['waiting_writes']} writes waiting, {fault['refused_requests']} requests refused[/]",
            highlight=False,
        )


def _stray_uploads() -> tuple[StrayUploads | None, str]:
    """What waits outside incoming/ in the running stack's input bucket (None if it cannot be read)."""
    try:
        resources = describe(choose_target(None, None, None))
        return stray_uploads(resources.target.client("s3"), resources.input_bucket), resources.input_bucket
    except Exception:  # noqa: BLE001 - status reports what it can; the processes table says the rest
        return None, ""


def _endpoint_status(url: str, admin_secret: str | None) -> dict | None:
    try:
        return admin_call(url, "status", admin_secret)
    except (OSError, ValueError):
        return None


@local_app.command()
def outputs(as_json: JsonOption = False) -> None:
    """The template's Outputs resolved for the local stack, like `aws cloudformation describe-stacks`."""
    state = read_state()
    try:
        values = state["outputs"] if state and "outputs" in state else local_outputs()
    except TemplateError as error:
        raise fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps(values, indent=2))
        return
    console.print(_outputs_table(values))
    if state:
        console.print(
            f"running on {state['endpoint_url']} (endpoint {state['endpoint_runtime_url']})", highlight=False
        )
    else:
        console.print("not running: `precis local up` starts it", highlight=False)


def _outputs_table(values: dict[str, str]) -> Table:
    table = Table(title="precis-local outputs")
    table.add_column("OutputKey", no_wrap=True)
    table.add_column("OutputValue", overflow="fold")
    for key, value in values.items():
        table.add_row(key, value)
    return table


@local_app.command()
def demo(
    port: Annotated[
        int | None,
        typer.Option(
            "--port", help="moto's server port (the endpoint on the next); default 4566, or any free."
        ),
    ] = None,
    time_scale: TimeScaleOption = 60.0,
) -> None:
    """Start the stack, summarize the bundled sample articles, print the results, stop the stack.
    A --port that is in use is an error; without one, a busy 4566 moves the demo to a free pair, saying so."""
    try:
        code = run_demo(console, port=port, time_scale=time_scale)
    except (StackError, TemplateError) as error:
        raise fail(str(error)) from None
    raise typer.Exit(code)

"""`precis local up/down/status/outputs/demo`: the whole pipeline offline on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from precis import paths
from precis.cli.console import EXIT_FAILED, console, fail, print_json, shown
from precis.cli.demo import run_demo
from precis.local.errors import StackError
from precis.local.foreground import STACK_READY, run_foreground
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

_DETACH_TIMEOUT_SECONDS = 90


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    app.add_typer(local_app, name="local")


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
) -> None:
    """Start moto's server with the template's resources, the local endpoint and the functions."""
    running = read_state()
    if running:
        raise fail(
            f"a local stack is already running on {running.get('endpoint_url', '(starting)')} "
            f"(pid {running['pid']}); "
            "`precis local down` stops it"
        )
    settings = {
        "time_scale": time_scale,
        "instance_start_delay": instance_start_delay,
        "inference_script": inference_script.resolve() if inference_script else None,
        "model_dir": model_dir.resolve() if model_dir else None,
        "function_concurrency": function_concurrency,
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
    console.print(text, highlight=False)
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
        if value is not None:
            options += [f"--{name.replace('_', '-')}", str(value)]
    return options


def _start_detached(options: list[str]) -> None:
    """Runs `python -m precis.local.foreground` in its own session and waits for its ready line in the log."""
    log_path = paths.project_root() / ".precis" / "local" / "logs" / "stack.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "precis.local.foreground", *options],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + _DETACH_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise fail(f"the local stack exited while starting:\n{log_path.read_text()[-3000:]}")
        if STACK_READY in log_path.read_text():
            state = read_state()
            console.print(
                f"{STACK_READY} on {state['endpoint_url']} (pid {process.pid}); `precis local down` stops it",
                highlight=False,
            )
            return
        time.sleep(0.2)
    process.terminate()
    raise fail(f"the local stack did not start in {_DETACH_TIMEOUT_SECONDS} s; see {log_path}")


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
def status(as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False) -> None:
    """The running stack's processes (pid, alive, restarts) and its endpoint (instances, backlog, journal)."""
    state = read_state()
    if state is None or "processes" not in state:
        raise fail("no local stack is running: `precis local up` starts it", EXIT_FAILED)
    restarts = state.get("restarts", {})
    processes = {
        name: {"pid": pid, "alive": pid_alive(int(pid)), "restarts": restarts.get(name, 0)}
        for name, pid in state["processes"].items()
    }
    endpoint = _endpoint_status(state["endpoint_runtime_url"])
    if as_json:
        print_json({"pid": state["pid"], "processes": processes, "endpoint": endpoint})
        return
    console.print(f"precis-local on {state['endpoint_url']} (pid {state['pid']})", highlight=False)
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
    fault = endpoint.get("journal_fault")
    if fault:
        since = time.strftime("%H:%M:%S", time.localtime(fault["since"]))
        console.print(
            f"[red]journal: cannot be written since {since} ({shown(fault['error'])}); "
            f"{fault['waiting_writes']} writes waiting, {fault['refused_requests']} requests refused[/]",
            highlight=False,
        )


def _endpoint_status(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(f"{url}/_precis/status", timeout=5) as answer:
            return json.loads(answer.read())
    except (OSError, ValueError):
        return None


@local_app.command()
def outputs(as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False) -> None:
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
    port: PortOption = 4566, time_scale: Annotated[float, typer.Option("--time-scale", min=0.001)] = 60.0
) -> None:
    """Start the stack, summarize the bundled sample articles, print the results, stop the stack."""
    try:
        code = run_demo(console, port=port, time_scale=time_scale)
    except (StackError, TemplateError) as error:
        raise fail(str(error)) from None
    raise typer.Exit(code)

"""`precis local invoke` and `precis local logs`: debug one function as `sam local invoke` and `sam logs` do,
without Docker (precis.local.invoke)."""

from __future__ import annotations

import json
import os
import shlex
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from precis import paths
from precis.cli.console import EXIT_FAILED, EXIT_USAGE, fail, terminal_safe
from precis.cli.resources import TargetError, choose_target
from precis.cli.selection import checked, parse_since
from precis.cli.stack_options import EndpointUrlOption
from precis.local.errors import StackError
from precis.local.invoke import logs as local_logs
from precis.local.invoke.env_vars import EnvVarsError, read_env_vars
from precis.local.invoke.function import InvokeError, Target, aws_target, local_target, prepare_function
from precis.local.invoke.process import invoke as invoke_function
from precis.local.state import read_state
from precis.template import TemplateError

TemplateOption = Annotated[
    Path | None,
    typer.Option("-t", "--template", "--template-file", help="The SAM template (default: template.yaml)."),
]


def register(app: typer.Typer) -> None:
    app.command("invoke")(invoke)
    app.command("logs")(logs)


def invoke(
    function_id: Annotated[
        str | None, typer.Argument(metavar="[FUNCTION]", help="The function's logical id (or name).")
    ] = None,
    event: Annotated[
        str | None, typer.Option("-e", "--event", help="JSON event file, or - for stdin (default: {}).")
    ] = None,
    env_vars: Annotated[
        Path | None,
        typer.Option("-n", "--env-vars", help="SAM's env-vars JSON: Parameters, or per function id."),
    ] = None,
    parameter_overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--parameter-overrides",
            help="Template parameters: 'Key=Value Key2=Value2' or 'ParameterKey=K,ParameterValue=V'.",
        ),
    ] = None,
    template: TemplateOption = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="Run against AWS with this profile.")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="Run against AWS in this region.")] = None,
    endpoint_url: EndpointUrlOption = None,
) -> None:
    """Invoke one function once in a fresh process, as Lambda would; its response on stdout (one JSON
    line), its logs and Lambda's START/END/REPORT lines on stderr. Against the running local stack, or
    AWS with --profile/--region."""
    template_path = (template or paths.template_path()).resolve()
    try:
        payload = _event_bytes(event)
        file_values = read_env_vars(env_vars) if env_vars else None
        prepared = prepare_function(
            template_path,
            function_id,
            _target(profile, region, endpoint_url),
            parameter_overrides=_parameters(parameter_overrides or []),
            env_vars=file_values,
            shell=os.environ,
        )
    except (InvokeError, EnvVarsError, TemplateError, StackError) as error:
        raise fail(str(error), EXIT_USAGE) from None
    for warning in prepared.warnings:
        _log(f"warning: {warning}")
    if prepared.ignored_variables:
        _log(
            f"warning: {env_vars} sets {', '.join(prepared.ignored_variables)}, which the template does not "
            f"declare for {prepared.process.logical_id}: not set (only declared variables are overridden)"
        )
    result = invoke_function(prepared.process, payload, _TerminalLog())
    typer.echo(json.dumps(result.payload))
    if not result.succeeded:
        raise typer.Exit(EXIT_FAILED)


def _target(profile: str | None, region: str | None, endpoint_url: str | None) -> Target:
    """AWS with --profile/--region; else the local stack at --endpoint-url, or the running one."""
    if profile or (region and not endpoint_url):
        return aws_target(profile, region)
    try:
        local = choose_target(None, endpoint_url, region)
    except TargetError as error:
        raise InvokeError(f"{error}; or pass --profile/--region to run against AWS") from None
    assert local.endpoint_url and local.runtime_url and local.region
    return local_target(
        local.stack_name, local.region, local.endpoint_url, local.runtime_url, local.time_scale
    )


def _event_bytes(event: str | None) -> bytes:
    if event is None:
        text = "{}"
    elif event == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(event).read_text()
        except OSError as error:
            raise InvokeError(f"cannot read the event {event}: {error.strerror}") from None
    try:
        return json.dumps(json.loads(text)).encode()
    except ValueError as error:
        raise InvokeError(f"the event is not JSON: {error}") from None


def _parameters(values: list[str]) -> dict[str, str]:
    """SAM's two spellings of --parameter-overrides, several per option."""
    parameters = {}
    for item in (token for value in values for token in shlex.split(value)):
        if item.startswith("ParameterKey="):
            fields = dict(part.split("=", 1) for part in item.split(",") if "=" in part)
            if "ParameterValue" not in fields:
                raise InvokeError(f"--parameter-overrides {item!r}: no ParameterValue")
            parameters[fields["ParameterKey"]] = fields["ParameterValue"]
        elif "=" in item:
            key, value = item.split("=", 1)
            parameters[key] = value
        else:
            raise InvokeError(f"--parameter-overrides {item!r}: expected Key=Value")
    return parameters


def _log(text: str) -> None:
    sys.stderr.write(terminal_safe(text) + "\n")
    sys.stderr.flush()


class _TerminalLog:
    """The function's log lines to stderr, with escape sequences from its (user-controlled) text removed."""

    def write(self, text: str) -> None:
        sys.stderr.write(terminal_safe(text))

    def flush(self) -> None:
        sys.stderr.flush()


def logs(
    function: Annotated[str, typer.Argument(help="A function's logical id, or `endpoint`.")],
    tail: Annotated[bool, typer.Option("--tail", help="Keep printing new lines (Ctrl-C stops).")] = False,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only invocations after: 10m, 2h, 1d, a date or an ISO time."),
    ] = None,
    document: Annotated[
        str | None, typer.Option("--document", help="Only the invocations that mention this document id.")
    ] = None,
) -> None:
    """A function's (or the endpoint's) log lines from the local stack, like `sam logs`."""
    state = read_state() or {}
    log_dir = Path(state.get("log_dir") or paths.project_root() / ".precis" / "local" / "logs")
    try:
        files = local_logs.log_files(log_dir, function)
    except local_logs.LogsError as error:
        raise fail(str(error), EXIT_USAGE) from None
    after = checked(parse_since, since) if since else None
    moment = datetime.fromisoformat(after.replace("Z", "+00:00")) if after else None
    for line in local_logs.select(local_logs.read_lines(files), moment, document):
        typer.echo(terminal_safe(line))
    if not tail:
        return
    running: list[str] = []
    try:
        for batch in local_logs.follow(files):
            finished, running = local_logs.split_open_invocation(running + batch)
            for line in local_logs.select(finished if document else finished + running, None, document):
                typer.echo(terminal_safe(line))
            running = running if document else []
    except KeyboardInterrupt:
        return

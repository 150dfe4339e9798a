"""A template's function as `precis local invoke` starts it, against the running local stack or AWS.

Everything comes from the resolved template through `precis.template.functions` (handler, memory, timeout,
environment with Globals merged) and the local wiring (the environment Lambda builds, as the local
stack gives it to its own workers); the layers are the template's layer resources, found by the ARN
the function's `Layers` resolve to. A target says where the function's AWS calls go: the local stack's
endpoints (from its state file) or AWS with a profile's credentials.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError

from precis.local.invoke.env_vars import file_overrides, resolve_variables
from precis.local.invoke.process import FunctionProcess
from precis.local.stack import aws_environment
from precis.local.wiring import wire_functions
from precis.template import Stack, load_stack
from precis.template.functions import LambdaFunction, lambda_functions

LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
AWS_STACK_NAME = "precis"
"""The stack name the template is resolved with against AWS (names in its environment; `-n` overrides)."""


class InvokeError(Exception):
    """The function cannot be started as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """Where the function's AWS calls go, and the names the template is resolved with."""

    stack_name: str
    region: str
    aws: dict[str, str]
    """Credentials, region and (locally) the endpoint URLs, as environment variables."""
    time_scale: float = 1.0
    description: str = ""


def local_target(
    stack_name: str, region: str, endpoint_url: str, runtime_url: str, time_scale: float
) -> Target:
    """A local stack: moto's server at `endpoint_url`, the SageMaker runtime at `runtime_url`."""
    return Target(
        stack_name=stack_name,
        region=region,
        aws=aws_environment(region, endpoint_url, runtime_url),
        time_scale=time_scale,
        description=f"the local stack on {endpoint_url}",
    )


def aws_target(profile: str | None, region: str | None) -> Target:
    """AWS, with the profile's (or the default chain's) credentials, as `sam local invoke` passes them."""
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        credentials = session.get_credentials()
    except BotoCoreError as error:
        raise InvokeError(str(error)) from None
    if credentials is None:
        raise InvokeError(f"no AWS credentials for profile {profile or 'default'}")
    region_name = session.region_name
    if not region_name:
        raise InvokeError("no AWS region: pass --region or set one in your AWS configuration")
    frozen = credentials.get_frozen_credentials()
    assert frozen.access_key and frozen.secret_key  # botocore's Credentials always carry both
    aws = {
        "AWS_ACCESS_KEY_ID": frozen.access_key,
        "AWS_SECRET_ACCESS_KEY": frozen.secret_key,
        "AWS_REGION": region_name,
        "AWS_DEFAULT_REGION": region_name,
    }
    if frozen.token:
        aws["AWS_SESSION_TOKEN"] = frozen.token
    return Target(AWS_STACK_NAME, region_name, aws, description=f"AWS ({region_name})")


@dataclass(frozen=True)
class PreparedFunction:
    process: FunctionProcess
    ignored_variables: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)


def prepare_function(
    template: Path,
    function_id: str | None,
    target: Target,
    *,
    parameter_overrides: Mapping[str, str] | None = None,
    env_vars: Mapping[str, Mapping[str, object]] | None = None,
    shell: Mapping[str, str] | None = None,
) -> PreparedFunction:
    """The function's process as Lambda would start it; InvokeError for an unknown or missing function."""
    stack = load_stack(
        template,
        stack_name=target.stack_name,
        region=target.region,
        parameter_overrides=dict(parameter_overrides or {}),
    )
    functions = lambda_functions(stack)
    function = _chosen(functions, function_id)
    wiring = wire_functions(stack, target.time_scale, template.parent)[function.logical_id]
    overrides = file_overrides(env_vars or {}, function.logical_id, function.name)
    variables = resolve_variables(function.environment, shell or {}, overrides)
    layers, warnings = _layer_dirs(stack, function.logical_id, template.parent)
    code_dir = (template.parent / function.code_uri).resolve()
    process = FunctionProcess(
        logical_id=function.logical_id,
        name=function.name,
        arn=function.arn,
        handler=function.handler,
        code_dir=code_dir,
        layer_dirs=layers,
        memory_mb=function.memory_mb,
        timeout_seconds=function.timeout_seconds,
        environment={**wiring.environment(target.aws), **variables.values},
    )
    return PreparedFunction(process, variables.ignored, warnings + _runtime_warning(function.runtime))


def _runtime_warning(runtime: str) -> tuple[str, ...]:
    """A warning when this interpreter is not the function's Lambda runtime (the handler runs here on
    the interpreter precis runs on, sam's would on the runtime's image)."""
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime == here:
        return ()
    return (
        f"the function's runtime is {runtime}; it runs here on {here} (this environment's Python), so "
        f"what differs between the two shows only in Lambda",
    )


def _chosen(functions: dict[str, LambdaFunction], function_id: str | None) -> LambdaFunction:
    """By logical id (or function name); with none given, the template's only function."""
    ids = ", ".join(sorted(functions))
    if function_id is None:
        if len(functions) == 1:
            return next(iter(functions.values()))
        raise InvokeError(f"which function? the template has {len(functions)}: {ids}")
    if function_id in functions:
        return functions[function_id]
    for function in functions.values():
        if function.name == function_id:
            return function
    raise InvokeError(f"no function {function_id!r} in the template; its functions are: {ids}")


def _layer_dirs(stack: Stack, logical_id: str, base: Path) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """The function's layers that the template builds, as directories on the path, in the template's order
    (a layer's `python/` folder if it has one, as Lambda unpacks it under /opt/python); a warning for
    each layer the template does not build (it cannot be had offline)."""
    by_arn = {stack.ref(layer_id): layer for layer_id, layer in _layers(stack).items()}
    properties = stack.resources[logical_id].properties  # `Layers`, with Globals merged and resolved
    dirs: list[Path] = []
    warnings: list[str] = []
    for arn in properties.get("Layers") or []:
        layer = by_arn.get(arn)
        content = layer.properties.get("ContentUri") if layer else None
        if not isinstance(content, str):
            warnings.append(f"layer {arn} is not built from a local directory of the template: left out")
            continue
        directory = (base / content).resolve()
        dirs.append(directory / "python" if (directory / "python").is_dir() else directory)
    return tuple(dirs), tuple(warnings)


def _layers(stack: Stack) -> dict:
    return {lid: r for layer_type in LAYER_TYPES for lid, r in stack.of_type(layer_type).items()}

"""What the README tells a user before and after a first deploy (issue 20, item 8): the permission the
first scalable target needs, and the command that shows whether the wake from zero fired, as the AWS CLI
parses it and for the endpoint the template names."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from precis import paths
from precis.template import load_stack

_AWS_CLI = Path(sys.executable).with_name("aws")


@pytest.fixture(scope="module")
def readme() -> str:
    return paths.project_root().joinpath("README.md").read_text(encoding="utf-8")


def _deploy_section(readme: str) -> str:
    return readme.split("## Deploy to AWS", 1)[1].split("\n## ", 1)[0]


def test_the_deploy_prerequisites_name_the_service_linked_role_permission(readme):
    # Application Auto Scaling creates AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint on the
    # account's first RegisterScalableTarget for SageMaker, with the caller's iam:CreateServiceLinkedRole
    prerequisites = " ".join(_deploy_section(readme).split("```", 1)[0].split())
    assert "`iam:CreateServiceLinkedRole`" in prerequisites
    assert "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint" in prerequisites


def _scaling_activities_command(readme: str) -> list[str]:
    (command,) = [
        re.sub(r"\\\n\s*", "", block)
        for block in re.findall(r"```sh\n(.*?)```", _deploy_section(readme), flags=re.DOTALL)
        if "describe-scaling-activities" in block
    ]
    return shlex.split(command)


def test_the_wake_from_zero_is_stated_unproven_with_the_command_to_check_it(readme):
    section = " ".join(_deploy_section(readme).split())
    assert "unproven on a real account" in section
    arguments = _scaling_activities_command(readme)
    # The resource id is the template's scalable target for the README's stack name and instance type
    stack = load_stack(stack_name="precis")
    target = stack.resources["SummarizerScalableTarget"].properties
    assert arguments[arguments.index("--resource-id") + 1] == target["ResourceId"]
    assert arguments[arguments.index("--service-namespace") + 1] == target["ServiceNamespace"]
    policy = stack.resources["WakeFromZeroStepPolicy"].properties["PolicyName"]
    assert f"`{policy}`" in section


def test_the_aws_cli_accepts_the_documented_command(readme, tmp_path):
    # moto does not implement DescribeScalingActivities: reaching it proves the CLI parsed every option
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        environment = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_PAGER": "",
        }
        command = [str(_AWS_CLI), *_scaling_activities_command(readme)[1:]]
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
    finally:
        server.stop()
    assert "when calling the DescribeScalingActivities operation" in done.stderr, done.stderr

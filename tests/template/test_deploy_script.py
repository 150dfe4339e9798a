"""scripts/deploy.sh refuses clearly, before touching AWS, when its inputs are missing or wrong."""

import os
import subprocess

import pytest

from precis import paths

SCRIPTS = ["validate.sh", "build.sh", "deploy.sh", "tool-venvs.sh"]


def run_deploy(**environment: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **environment}
    return subprocess.run(
        ["bash", str(paths.project_root() / "scripts" / "deploy.sh")],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_parses(script):
    result = subprocess.run(["bash", "-n", str(paths.project_root() / "scripts" / script)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_deploy_without_an_artifact_bucket_says_which_variable_to_set():
    result = run_deploy()
    assert result.returncode == 2
    assert "set ARTIFACT_BUCKET" in result.stderr


def test_deploy_rejects_a_stack_name_that_cannot_name_buckets():
    result = run_deploy(ARTIFACT_BUCKET="my-artifacts", STACK_NAME="Precis_Prod")
    assert result.returncode == 2
    assert "STACK_NAME='Precis_Prod'" in result.stderr


def test_deploy_without_credentials_stops_before_packaging(tmp_path):
    # Given a bucket and a region but no credentials anywhere
    result = run_deploy(
        ARTIFACT_BUCKET="my-artifacts", AWS_REGION="eu-west-1", AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
    )
    # Then it names the problem and never reaches the model or sam
    assert result.returncode == 2
    assert "no usable AWS credentials" in result.stderr
    assert "package the model" not in result.stdout

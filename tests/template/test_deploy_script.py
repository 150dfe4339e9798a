"""scripts/deploy.sh refuses clearly, before packaging or deploying, when its inputs are missing or wrong."""

import os
import subprocess

import boto3
import pytest
from moto.server import ThreadedMotoServer

from precis import paths

SCRIPTS = ["validate.sh", "build.sh", "deploy.sh", "tool-venvs.sh"]


def run_deploy(**environment: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **environment}
    if "PYTHONPATH" in os.environ:  # the checkout under test, when the venv's precis is another one's
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(
        ["bash", str(paths.project_root() / "scripts" / "deploy.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_parses(script):
    result = subprocess.run(
        ["bash", "-n", str(paths.project_root() / "scripts" / script)],
        capture_output=True,
        text=True,
        check=False,
    )
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
        ARTIFACT_BUCKET="my-artifacts",
        AWS_REGION="eu-west-1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
    )
    # Then it names the problem and never reaches the model or sam
    assert result.returncode == 2
    assert "no usable AWS credentials" in result.stderr
    assert "package the model" not in result.stdout


@pytest.fixture(scope="module")
def moto_account():
    """An account behind moto's server, holding the artifact bucket in the deploy region."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=url,
        region_name="eu-west-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket="my-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "eu-west-1",
        "ARTIFACT_BUCKET": "my-artifacts",
        "AWS_PAGER": "",
    }
    server.stop()


@pytest.mark.parametrize(
    ("overrides", "operation"),
    [
        # a reservation: the account's concurrency (Lambda GetAccountSettings)
        ("MaxInstanceCount=2 SubmitReservedConcurrency=50", "GetAccountSettings"),
        # any deploy: the endpoint instance quota ("ml.g5.xlarge for endpoint usage")
        ("InstanceType=ml.g5.xlarge MaxInstanceCount=3", "ListServiceQuotas"),
    ],
)
def test_deploy_checks_the_account_before_packaging(moto_account, overrides, operation):
    # When the deploy asks for a reservation or an instance type and a maximum
    result = run_deploy(**moto_account, PARAMETER_OVERRIDES=overrides)
    # Then it reads the account's limit (which moto cannot answer) before building anything
    assert result.returncode == 2, result.stderr
    assert operation in result.stderr
    assert "package the model" not in result.stdout


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ("SubmitReservedConcurrency=ten", "SubmitReservedConcurrency=ten must be a whole number"),
        ("MaxInstanceCount=0", "MaxInstanceCount=0 must be a whole number of at least 1"),
    ],
)
def test_deploy_refuses_a_count_that_is_not_a_number(moto_account, overrides, refusal):
    result = run_deploy(**moto_account, PARAMETER_OVERRIDES=overrides)
    assert result.returncode == 2
    assert refusal in result.stderr

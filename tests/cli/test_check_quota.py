"""`precis check-quota`: `make deploy` stops before an endpoint the account's instance quota cannot run.

moto 5.2 implements neither ListServiceQuotas nor its pagination for SageMaker, so Service Quotas answers
through botocore's Stubber, which checks every request and response against the API model. The quota
names follow the shape Service Quotas lists for SageMaker ("<type> for endpoint usage"); the codes are
made up (the check takes the code from the answer).
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from precis.cli.quota import check_quota, instances_elsewhere

REGION = "us-east-1"
G4DN = "ml.g4dn.xlarge"


def quota(name: str, value: float, code: str) -> dict:
    return {
        "ServiceCode": "sagemaker",
        "ServiceName": "Amazon SageMaker",
        "QuotaArn": f"arn:aws:servicequotas:{REGION}:123456789012:sagemaker/{code}",
        "QuotaCode": code,
        "QuotaName": name,
        "Value": value,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }


OTHER = quota("ml.m5.xlarge for endpoint usage", 4.0, "L-2F737F8D")


def account(client, applied: list[list[dict]], defaults: list[list[dict]] | None = None) -> Stubber:
    """Service Quotas answering ListServiceQuotas with `applied` (one list per page), then, if given,
    ListAWSDefaultServiceQuotas with `defaults`."""
    stubber = Stubber(client)
    for operation, pages in (("list_service_quotas", applied), ("list_aws_default_service_quotas", defaults)):
        for n, page in enumerate(pages or []):
            request = {"ServiceCode": "sagemaker", **({"NextToken": f"page-{n}"} if n else {})}
            answer = {"Quotas": page, **({"NextToken": f"page-{n + 1}"} if n + 1 < len(pages) else {})}
            stubber.add_response(operation, answer, request)
    stubber.activate()
    return stubber


@pytest.fixture
def service_quotas():
    return boto3.client(
        "service-quotas", region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    )


def test_an_account_with_no_gpu_endpoint_quota_is_told_what_to_request(service_quotas):
    # Given the common new-account answer: 0 instances of ml.g4dn.xlarge for endpoints (on page two)
    stubber = account(service_quotas, [[OTHER], [quota(f"{G4DN} for endpoint usage", 0.0, "L-1E8F7C9A")]])
    # When a deploy with MaxInstanceCount=5 is checked
    check = check_quota(service_quotas, G4DN, 5)
    # Then it does not fit, and the user learns the number to request and how
    assert not check.fits and (check.quota, check.needed) == (0, 10)
    assert "'ml.g4dn.xlarge for endpoint usage' is 0; MaxInstanceCount=5 needs 10" in check.explain()
    assert check.advice() == (
        "Request 10: aws service-quotas request-service-quota-increase --service-code sagemaker "
        "--quota-code L-1E8F7C9A --desired-value 10."
    )
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(("value", "fits"), [(10.0, True), (9.0, False)])
def test_the_quota_must_hold_a_second_fleet_for_an_update_at_full_scale(service_quotas, value, fits):
    account(service_quotas, [[quota(f"{G4DN} for endpoint usage", value, "L-1E8F7C9A")]])
    check = check_quota(service_quotas, G4DN, 5)
    assert check.fits is fits
    if not fits:
        assert check.advice().endswith("; or deploy with MaxInstanceCount=4.")


def test_an_account_without_an_applied_value_is_held_to_the_aws_default(service_quotas):
    # Given no applied value for the type, only AWS's default
    stubber = account(service_quotas, [[OTHER]], [[quota(f"{G4DN} for endpoint usage", 2.0, "L-1E8F7C9A")]])
    check = check_quota(service_quotas, G4DN, 1)
    assert check.fits and check.quota == 2
    stubber.assert_no_pending_responses()


def test_a_type_the_region_does_not_host_is_named(service_quotas):
    account(service_quotas, [[OTHER]], [[OTHER]])
    check = check_quota(service_quotas, "ml.p5.48xlarge", 1)
    assert not check.fits and check.quota is None
    assert "no quota 'ml.p5.48xlarge for endpoint usage' here" in check.explain()


@pytest.fixture
def cli_quotas(monkeypatch):
    """`cli_quotas(quotas)`: the CLI's own Service Quotas client answers ListServiceQuotas with them."""

    def answering(quotas: list[dict]) -> None:
        created = boto3.session.Session.client

        def stubbed(session, service, *args, **kwargs):
            client = created(session, service, *args, **kwargs)
            if service == "service-quotas":
                account(client, [quotas])
            return client

        monkeypatch.setattr(boto3.session.Session, "client", stubbed)

    return answering


def test_the_command_stops_with_the_number_to_request(cli, cli_quotas, aws):
    # Given Service Quotas answering through the Stubber for the CLI's own client
    cli_quotas([quota("ml.g5.xlarge for endpoint usage", 1.0, "L-5A0B3B1C")])
    # When make deploy checks ml.g5.xlarge with MaxInstanceCount=2
    result = cli("check-quota", "--instance-type", "ml.g5.xlarge", "--max-instances", "2")
    # Then it stops, naming the quota, the need and the request
    output = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "'ml.g5.xlarge for endpoint usage' is 1; MaxInstanceCount=2 needs 4" in output
    assert "--quota-code L-5A0B3B1C --desired-value 4" in output


def endpoint(sagemaker, name: str, instance_type: str, count: int) -> None:
    """An endpoint of `count` instances of the type (moto keeps it InService)."""
    sagemaker.create_model(
        ModelName=name,
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": name,
                "InitialInstanceCount": count,
                "InstanceType": instance_type,
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)


def test_instances_other_endpoints_run_of_the_type_are_taken_off_the_quota(service_quotas):
    # Given an account whose other endpoints run 3 ml.g4dn.xlarge and 2 ml.m5.xlarge, and the stack's own 2
    with mock_aws():
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        endpoint(sagemaker, "churn-model", G4DN, 3)
        endpoint(sagemaker, "forecast", "ml.m5.xlarge", 2)
        endpoint(sagemaker, "precis-summarizer", G4DN, 2)
        elsewhere = instances_elsewhere(sagemaker, G4DN, own_endpoint="precis-summarizer")
    assert elsewhere == {"churn-model": 3}

    # When a deploy at MaxInstanceCount=5 is checked against a quota of 10
    account(service_quotas, [[quota(f"{G4DN} for endpoint usage", 10.0, "L-1E8F7C9A")]])
    check = check_quota(service_quotas, G4DN, 5, elsewhere)

    # Then the 10 would hold the deploy alone, but not beside the other endpoint: request 13, or deploy 3
    assert not check.fits and check.used_elsewhere == 3
    assert (
        "is 10, of which other endpoints use 3 (churn-model 3); MaxInstanceCount=5 needs 10"
        in check.explain()
    )
    assert "--desired-value 13; or deploy with MaxInstanceCount=3." in check.advice()


def test_the_command_leaves_the_stacks_own_endpoint_out(cli, cli_quotas, stack):
    # Given the stack's endpoint (its EndpointName output) and another, 1 ml.g4dn.2xlarge each
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    endpoint(sagemaker, "precis-test-summarizer", "ml.g4dn.2xlarge", 1)
    endpoint(sagemaker, "other", "ml.g4dn.2xlarge", 1)
    cli_quotas([quota("ml.g4dn.2xlarge for endpoint usage", 5.0, "L-5A0B3B1C")])
    # When the deploy of that stack is checked at MaxInstanceCount=2
    result = cli(
        "check-quota", "--instance-type", "ml.g4dn.2xlarge", "--max-instances", "2", "--stack", stack
    )
    # Then only the other endpoint counts: 5 - 1 holds the 4 needed
    output = " ".join(result.output.split())
    assert result.exit_code == 0, output
    assert "is 5, of which other endpoints use 1 (other 1); MaxInstanceCount=2 needs 4" in output

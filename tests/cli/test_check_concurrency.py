"""`precis check-concurrency`: `make deploy` asks before it reserves concurrency the account cannot give.

moto 5.2 does not implement Lambda's GetAccountSettings (it answers 404 "Not yet implemented"), so the
Lambda answers come from botocore's Stubber, which checks every request and response against the API
model; CloudFormation is moto's.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from precis.cli.concurrency import check_reservation

REGION = "us-east-1"
FUNCTION = "precis-test-SubmitFunction-AbC123"


def account(lambda_client, *, limit: int, unreserved: int, held: int | None = None) -> Stubber:
    """Lambda as an account with these limits, whose SubmitFunction reserves `held` (None: no stack)."""
    stubber = Stubber(lambda_client)
    stubber.add_response(
        "get_account_settings",
        {
            "AccountLimit": {"ConcurrentExecutions": limit, "UnreservedConcurrentExecutions": unreserved},
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 3},
        },
    )
    if held is not None:
        answer = {"ReservedConcurrentExecutions": held} if held else {}
        stubber.add_response("get_function_concurrency", answer, {"FunctionName": FUNCTION})
    stubber.activate()
    return stubber


@pytest.fixture
def lambda_client(aws):
    return boto3.client("lambda", region_name=REGION)


@pytest.fixture
def cloudformation(aws):
    return boto3.client("cloudformation", region_name=REGION)


@pytest.fixture
def deployed(cloudformation) -> str:
    """A stack whose Outputs name its SubmitFunction, as template.yaml's do."""
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"SubmitFunctionName": {"Value": FUNCTION}},
    }
    cloudformation.create_stack(StackName="precis-test", TemplateBody=json.dumps(template))
    return "precis-test"


def test_a_new_account_with_a_quota_of_ten_can_reserve_nothing(lambda_client, cloudformation):
    # Given a new account (10 concurrent executions in all) and a first deploy
    stubber = account(lambda_client, limit=10, unreserved=10)
    # When a reservation of 5 is asked for
    check = check_reservation(lambda_client, cloudformation, "precis-new", 5)
    # Then it does not fit: Lambda keeps 100 unreserved
    assert not check.fits and check.available == 0
    assert "at most 0 can be reserved" in check.explain()
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(("requested", "fits"), [(900, True), (901, False)])
def test_a_standard_account_can_reserve_its_unreserved_concurrency_less_100(
    lambda_client, cloudformation, requested, fits
):
    account(lambda_client, limit=1000, unreserved=1000)
    assert check_reservation(lambda_client, cloudformation, "precis-new", requested).fits is fits


def test_what_the_stack_already_reserves_counts_as_available(lambda_client, cloudformation, deployed):
    # Given other functions reserve 850 and the stack's SubmitFunction holds 40 of the 1000
    stubber = account(lambda_client, limit=1000, unreserved=110, held=40)
    # When the update asks for 50 instead of 40
    check = check_reservation(lambda_client, cloudformation, deployed, 50)
    # Then the 40 it gives back count: 110 + 40 - 100 = 50 can be reserved
    assert check.fits and check.available == 50
    assert "(+40 SubmitFunction holds now)" in check.explain()
    stubber.assert_no_pending_responses()


def test_the_command_explains_a_reservation_that_does_not_fit(cli, monkeypatch, aws):
    # Given the account has no concurrency to spare (Lambda answered through the Stubber)
    created = boto3.session.Session.client

    def stubbed_lambda(session, service, *args, **kwargs):
        client = created(session, service, *args, **kwargs)
        if service == "lambda":
            account(client, limit=10, unreserved=10)
        return client

    monkeypatch.setattr(boto3.session.Session, "client", stubbed_lambda)
    # When make deploy checks a reservation of 20
    result = cli("check-concurrency", "--stack", "precis-new", "--reserve", "20")
    # Then it stops with the numbers and what to do instead
    assert result.exit_code == 1
    assert "SubmitReservedConcurrency=20 does not fit: account concurrency 10, unreserved 10" in result.output
    assert "SubmitReservedConcurrency=0" in result.output


def test_a_reservation_of_zero_is_no_check_at_all(cli, aws):
    assert cli("check-concurrency", "--stack", "precis", "--reserve", "0").exit_code == 2

"""moto's server as the stack runs it: SQS's clock and retention check give moto's answers, faster."""

from __future__ import annotations

from datetime import datetime

import boto3
import pytest
from moto import backends, mock_aws
from moto.core import DEFAULT_ACCOUNT_ID, utils
from moto.sqs.models import SQSBackend, sqs_backends

from precis.local.moto_server import is_retained, route_with_a_fixed_module_list, unix_time_millis

REGION = "us-east-1"


@pytest.mark.parametrize(("age_seconds", "retained"), [(0, True), (59, True), (61, False)])
def test_the_retention_check_gives_moto_s_answer(age_seconds: int, retained: bool) -> None:
    with mock_aws():
        # Given a message sent `age_seconds` ago to a queue that keeps messages 60 s
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="events", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="{}")
        backend = sqs_backends[DEFAULT_ACCOUNT_ID][REGION]
        message = backend.get_queue("events")._messages[0]
        message.sent_timestamp -= age_seconds * 1000
        # When both checks judge it
        ours = is_retained(backend, "events", message)
        moto_s = SQSBackend.is_message_valid_based_on_retention_period(backend, "events", message)
        # Then they agree
        assert ours is moto_s is retained


def test_the_sqs_clock_reads_the_same_time_as_moto_s() -> None:
    # Given moto's clock and ours, read back to back
    before = utils.unix_time_millis()
    ours = unix_time_millis()
    after = utils.unix_time_millis()
    # Then ours lies between two readings of moto's, and a given moment converts as moto converts it
    assert before - 1 <= ours <= after + 1
    moment = datetime(2026, 11, 25, 2, 30, 15, 123000)
    assert unix_time_millis(moment) == utils.unix_time_millis(moment)


def test_moto_routes_with_the_same_module_list(monkeypatch) -> None:
    # Given moto's own listing of its backend modules
    listed = list(backends.list_of_moto_modules())
    # When the router's list is fixed once
    monkeypatch.setattr(backends, "list_of_moto_modules", backends.list_of_moto_modules)
    route_with_a_fixed_module_list()
    # Then every later call answers the same list, and the services the stack uses are in it
    assert list(backends.list_of_moto_modules()) == list(backends.list_of_moto_modules()) == listed
    assert {"s3", "sqs", "sns", "dynamodb", "cloudwatch"} <= set(listed)

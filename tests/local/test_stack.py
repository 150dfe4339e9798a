"""The local stack's resources and function wiring come from template.yaml, never declared by hand."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from precis import paths
from precis.local.stack import (
    LocalStack,
    StackError,
    event_queue_name,
    function_config,
    function_environment,
    provision,
    rate_seconds,
)
from precis.template import load_stack

AWS = {
    "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
    "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": "http://127.0.0.1:4567",
}


@pytest.fixture(scope="module")
def stack():
    return load_stack()


@pytest.fixture
def provisioned(stack, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        session = boto3.Session(region_name=stack.region)
        functions = [
            function_config(stack, resource, 60.0, paths.project_root())
            for resource in stack.of_type("AWS::Serverless::Function").values()
        ]
        provision(stack, session.client, functions)
        yield session, functions


def test_function_configs_follow_the_template(stack) -> None:
    submit = function_config(stack, stack.resources["SubmitFunction"], 60.0, paths.project_root())

    assert submit.name == stack.outputs["SubmitFunctionName"]
    assert submit.code_dir == str(paths.functions_dir() / "submit")
    assert submit.handler == "app.lambda_handler"
    assert submit.timeout_seconds == 30 and submit.memory_mb == 256
    assert submit.maximum_retry_attempts == 2
    assert submit.on_failure_queue_name == stack.get_att("SubmitDeadLetterQueue", "QueueName")
    assert submit.on_failure_is_destination is True


def test_the_reconcile_schedule_is_its_rate(stack) -> None:
    reconcile = function_config(stack, stack.resources["ReconcileFunction"], 60.0, paths.project_root())

    assert [s["rate_seconds"] for s in reconcile.schedules] == [
        rate_seconds(stack.parameters["ReconcileSchedule"])
    ]


def test_rates_are_read_and_cron_is_refused() -> None:
    assert rate_seconds("rate(15 minutes)") == 900
    assert rate_seconds("rate(1 hour)") == 3600
    with pytest.raises(StackError, match="rate"):
        rate_seconds("cron(0 * * * ? *)")


def test_a_functions_environment_is_the_templates_plus_lambdas_own_and_the_endpoints(stack) -> None:
    env = function_environment(stack, stack.resources["SubmitFunction"], AWS)

    assert env["SUMMARIES_TABLE"] == stack.outputs["SummariesTableName"]
    assert env["ENDPOINT_NAME"] == stack.outputs["EndpointName"]
    assert env["INPUT_PREFIX"] == "incoming/"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == stack.outputs["SubmitFunctionName"]
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"] == "http://127.0.0.1:4567"
    assert "OUTPUT_BUCKET" not in env  # RecordFunction's variable, not SubmitFunction's


def test_buckets_topics_and_the_table_are_created_with_the_templates_names(stack, provisioned) -> None:
    session, _ = provisioned
    buckets = {b["Name"] for b in session.client("s3").list_buckets()["Buckets"]}
    topics = {t["TopicArn"] for t in session.client("sns").list_topics()["Topics"]}
    table = session.client("dynamodb").describe_table(TableName=stack.outputs["SummariesTableName"])["Table"]

    assert buckets == {stack.outputs["InputBucketName"], stack.outputs["OutputBucketName"]}
    assert topics == {stack.outputs["SuccessTopicArn"], stack.outputs["ErrorTopicArn"]}
    assert table["KeySchema"] == [{"AttributeName": "document_id", "KeyType": "HASH"}]
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {"by-status", "by-collection"}
    versioning = session.client("s3").get_bucket_versioning(Bucket=stack.outputs["InputBucketName"])
    assert versioning["Status"] == "Enabled"


def test_uploads_under_incoming_notify_the_submit_functions_queue(stack, provisioned) -> None:
    session, _ = provisioned
    notification = session.client("s3").get_bucket_notification_configuration(
        Bucket=stack.outputs["InputBucketName"]
    )

    (queue,) = notification["QueueConfigurations"]
    assert queue["QueueArn"].endswith(":" + event_queue_name(stack, "SubmitFunction"))
    assert queue["Events"] == ["s3:ObjectCreated:*"]
    assert queue["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "incoming/"}]


def test_both_topics_deliver_to_the_record_functions_queue(stack, provisioned) -> None:
    session, functions = provisioned
    record = next(f for f in functions if f.logical_id == "RecordFunction")
    sns = session.client("sns")

    for topic in (stack.outputs["SuccessTopicArn"], stack.outputs["ErrorTopicArn"]):
        (subscription,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        assert subscription["Protocol"] == "sqs" and subscription["Endpoint"] == record.queue_arn


def test_the_dead_letter_queues_alarms_and_dashboard_exist(stack, provisioned) -> None:
    session, _ = provisioned
    queues = session.client("sqs").list_queues()["QueueUrls"]
    alarms = session.client("cloudwatch").describe_alarms()["MetricAlarms"]
    dashboard = session.client("cloudwatch").get_dashboard(DashboardName=stack.outputs["DashboardName"])

    for logical_id in ("SubmitDeadLetterQueue", "RecordDeadLetterQueue", "ReconcileDeadLetterQueue"):
        assert any(url.endswith("/" + stack.get_att(logical_id, "QueueName")) for url in queues)
    wake = next(a for a in alarms if a["AlarmName"] == stack.physical_name("HasBacklogWithoutCapacityAlarm"))
    assert wake["MetricName"] == "HasBacklogWithoutCapacity" and wake["EvaluationPeriods"] == 2
    assert json.loads(dashboard["DashboardBody"])["widgets"]


def test_execution_environments_are_capped_by_reserved_concurrency(tmp_path) -> None:
    local = LocalStack(function_concurrency=20, log_dir=tmp_path)

    assert local.concurrency_of(local.stack.resources["SubmitFunction"]) == 10  # ReservedConcurrentExecutions
    assert local.concurrency_of(local.stack.resources["RecordFunction"]) == 20

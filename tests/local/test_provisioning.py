"""The local stack creates the template's resources in moto, and each function's event plumbing, from
template.yaml, never declared by hand."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from precis import paths
from precis.local.provisioning import provision
from precis.local.wiring import event_queue_name, wire_functions
from precis.template import load_stack


@pytest.fixture(scope="module")
def stack():
    return load_stack()


@pytest.fixture
def provisioned(stack, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        session = boto3.Session(region_name=stack.region)
        functions = list(wire_functions(stack, 60.0, paths.project_root()).values())
        provision(stack, session.client, functions)
        yield session, functions


def test_buckets_topics_and_the_table_are_created_with_the_templates_names(stack, provisioned) -> None:
    session, _ = provisioned
    buckets = {b["Name"] for b in session.client("s3").list_buckets()["Buckets"]}
    topics = {t["TopicArn"] for t in session.client("sns").list_topics()["Topics"]}
    table = session.client("dynamodb").describe_table(TableName=stack.outputs["SummariesTableName"])["Table"]

    assert buckets == {
        stack.outputs["InputBucketName"],
        stack.outputs["OutputBucketName"],
        stack.outputs["AthenaResultsBucketName"],
    }
    assert topics == {stack.outputs["SuccessTopicArn"], stack.outputs["ErrorTopicArn"]}
    assert table["KeySchema"] == [{"AttributeName": "document_id", "KeyType": "HASH"}]
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {
        "by-status",
        "by-collection",
        "by-published",
    }
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
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
        assert subscription["Protocol"] == "sqs" and subscription["Endpoint"] == record.event_queue_arn


def test_the_dead_letter_queues_alarms_and_dashboard_exist(stack, provisioned) -> None:
    session, _ = provisioned
    queues = session.client("sqs").list_queues()["QueueUrls"]
    alarms = session.client("cloudwatch").describe_alarms()["MetricAlarms"]
    dashboard = session.client("cloudwatch").get_dashboard(DashboardName=stack.outputs["DashboardName"])

    for logical_id in ("SubmitDeadLetterQueue", "RecordDeadLetterQueue", "ReconcileDeadLetterQueue"):
        assert any(url.endswith("/" + stack.get_att(logical_id, "QueueName")) for url in queues)
    wake = next(a for a in alarms if a["AlarmName"] == stack.physical_name("HasBacklogWithoutCapacityAlarm"))
    metrics = {q["MetricStat"]["Metric"]["MetricName"] for q in wake["Metrics"] if "MetricStat" in q}
    assert "HasBacklogWithoutCapacity" in metrics and wake["EvaluationPeriods"] == 2
    assert json.loads(dashboard["DashboardBody"])["widgets"]

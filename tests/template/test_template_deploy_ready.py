"""What a real `sam deploy` or a security review would still hit (issue 20), read from template.yaml as
CloudFormation resolves it. Each test names the AWS behaviour it rests on; nothing here is deployed."""

from __future__ import annotations

import json

import pytest

from precis.template import load_stack

TOPICS = ["SuccessTopic", "ErrorTopic"]

# Units of the async endpoint's metrics (SageMaker developer guide, "Alarms and logs for tracking metrics
# from asynchronous endpoints"; ModelLatency from the common endpoint metrics).
MICROSECONDS = {"TimeInBacklog", "ModelLatency", "RequestDownloadLatency", "ResponseUploadLatency"}
MILLISECONDS = {"TotalProcessingTime"}


@pytest.fixture(scope="module")
def stack():
    return load_stack(stack_name="precis")


def test_only_the_execution_role_may_publish_to_the_result_topics(stack):
    policy = stack.resources["ResultTopicsPolicy"].properties
    topics = [stack.ref(topic) for topic in TOPICS]
    assert policy["Topics"] == topics
    (deny,) = policy["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "sns:Publish")
    assert deny["Resource"] == topics
    role = stack.get_att("SummarizerExecutionRole", "Arn")
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": role}}


def _role_statement(stack, sid: str) -> dict:
    (policy,) = stack.resources["SummarizerExecutionRole"].properties["Policies"]
    (statement,) = [s for s in policy["PolicyDocument"]["Statement"] if s.get("Sid") == sid]
    return statement


def test_the_role_may_use_the_topic_key_for_the_two_topics_only(stack):
    # SNS passes the topic's ARN as encryption context (aws:sns:topicArn) when it uses the key
    statement = _role_statement(stack, "EncryptNotifications")
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Resource"] == stack.get_att("TopicKey", "Arn")
    contexts = statement["Condition"]["StringEquals"]["kms:EncryptionContext:aws:sns:topicArn"]
    assert contexts == [stack.ref(topic) for topic in TOPICS]
    assert _role_statement(stack, "Notify")["Resource"] == contexts


def test_the_topic_key_policy_names_no_principal_of_the_stack(properties):
    # KMS refuses a key policy whose principal it cannot see yet; a role of the same deploy may not be
    statements = properties("TopicKey")["KeyPolicy"]["Statement"]
    principals = [statement["Principal"] for statement in statements]
    assert principals == [{"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}]


@pytest.mark.parametrize("instance_type", ["ml.g4dn.xlarge", "ml.g5.2xlarge"])
def test_the_endpoint_log_group_exists_before_the_endpoint_with_a_retention(resources, instance_type):
    stack = load_stack(stack_name="precis", parameter_overrides={"InstanceType": instance_type})
    group = stack.resources["EndpointLogGroup"].properties
    # SageMaker writes to /aws/sagemaker/Endpoints/<endpoint name>, the group the role may write to
    endpoint = stack.resources["SummarizerEndpoint"].properties["EndpointName"]
    assert group["LogGroupName"] == f"/aws/sagemaker/Endpoints/{endpoint}"
    assert group["RetentionInDays"] == stack.parameters["LogRetentionDays"]
    (allowed,) = _role_statement(stack, "ContainerLogs")["Resource"]
    assert allowed.endswith(":log-group:/aws/sagemaker/Endpoints/precis-summarizer-*")
    assert resources["SummarizerEndpoint"]["DependsOn"] == "EndpointLogGroup"


def test_submit_learns_its_bucket_by_name_without_a_ref_to_it(stack, resources):
    variables = stack.resources["SubmitFunction"].properties["Environment"]["Variables"]
    assert variables["INPUT_BUCKET"] == stack.ref("InputBucket")
    # A Ref (or ${InputBucket}) from the function to the bucket whose event invokes it is a cycle
    declared = resources["SubmitFunction"]["Properties"]["Environment"]["Variables"]["INPUT_BUCKET"]
    assert "InputBucket" not in json.dumps(declared)


def _dashboard_widgets(stack) -> list[dict]:
    return json.loads(stack.resources["Dashboard"].properties["DashboardBody"])["widgets"]


def test_every_time_on_the_dashboard_is_shown_in_the_unit_its_title_names(stack):
    checked = set()
    for widget in _dashboard_widgets(stack):
        properties = widget["properties"]
        if "(ms)" not in properties["title"]:
            assert not {row[1] for row in properties["metrics"] if len(row) > 1} & (
                MICROSECONDS | MILLISECONDS
            )
            continue
        hidden = {}
        for row in properties["metrics"]:
            options = row[-1] if isinstance(row[-1], dict) else {}
            if "expression" in options:
                # A microsecond metric is shown through metric math, divided by 1000
                source, divisor = (part.strip() for part in options["expression"].split("/"))
                assert divisor == "1000" and source in hidden, options
                assert options["label"] == f"{hidden[source]} (ms)"
                checked.add(hidden[source])
            elif row[1] in MICROSECONDS:
                assert options["visible"] is False
                hidden[options["id"]] = row[1]
            else:
                assert row[1] in MILLISECONDS and options["label"] == f"{row[1]} (ms)"
                checked.add(row[1])
    assert checked == {"TimeInBacklog", "ModelLatency", "TotalProcessingTime"}

"""What AWS does with the template after `sam deploy` that no local stack shows (issue 12).

Each test names the AWS behaviour it guards against; the template comments cite where it is documented.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
from importlib.metadata import requires, version

import botocore.session
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from precis import paths
from precis.template import load_stack

MMS_INT_MAX = 2**31 - 1
"""The model server parses max_request_size with Integer.parseInt."""


def test_the_model_server_accepts_every_article_the_submit_function_lets_through(template):
    # Given a stack deployed with a size cap above the model server's 6,553,500-byte default
    stack = load_stack(parameter_overrides={"MaxInputBytes": "9000000"})
    # Then SubmitFunction's cap and the container's request limit are the same number of bytes
    submit = stack.resources["SubmitFunction"].properties["Environment"]["Variables"]
    container = stack.resources["SummarizerModel"].properties["PrimaryContainer"]["Environment"]
    assert submit["MAX_INPUT_BYTES"] == container["MMS_MAX_REQUEST_SIZE"] == "9000000"
    # And every value the parameter allows is one the model server can parse
    assert template["Parameters"]["MaxInputBytes"]["MaxValue"] <= MMS_INT_MAX


def test_submit_reserves_concurrency_only_when_the_parameter_asks_for_it():
    # Given Lambda keeps 100 of an account's concurrency unreserved and new accounts may have 10 in all
    default = load_stack().resources["SubmitFunction"].properties
    reserved = load_stack(parameter_overrides={"SubmitReservedConcurrency": "20"}).resources["SubmitFunction"]
    # Then a default deploy reserves none, and a reservation comes from the parameter
    assert "ReservedConcurrentExecutions" not in default
    assert reserved.properties["ReservedConcurrentExecutions"] == "20"


def _sagemaker_model():
    return botocore.session.get_session().get_service_model("sagemaker")


HOSTING_INSTANCE_TYPES = _sagemaker_model().shape_for("ProductionVariantInstanceType").enum
ENDPOINT_NAME = re.compile(_sagemaker_model().shape_for("EndpointName").metadata["pattern"])
LONGEST_STACK_NAME = "p" * 28
"""scripts/deploy.sh refuses longer stack names (they name the buckets)."""


def _endpoint_suffix(instance_type: str) -> str:
    return instance_type.removeprefix("ml.").replace(".", "-")


def test_the_instance_type_parameter_accepts_every_type_sagemaker_hosts(template):
    pattern = re.compile(template["Parameters"]["InstanceType"]["AllowedPattern"])
    assert [t for t in HOSTING_INSTANCE_TYPES if not pattern.fullmatch(t)] == []


@pytest.mark.parametrize(
    "instance_type",
    ["ml.g4dn.xlarge", "ml.g5.xlarge", "ml.m5.xlarge", max(HOSTING_INSTANCE_TYPES, key=len)],
)
def test_a_new_instance_type_is_a_new_endpoint_so_no_update_changes_a_scaled_variant(instance_type):
    # Given SageMaker refuses to change the instance type of a variant registered as a scalable target
    stack = load_stack(stack_name=LONGEST_STACK_NAME, parameter_overrides={"InstanceType": instance_type})
    name = stack.outputs["EndpointName"]
    # Then the endpoint's name carries the type (CloudFormation replaces a renamed endpoint), and is valid
    assert name == f"{LONGEST_STACK_NAME}-summarizer-{_endpoint_suffix(instance_type)}"
    assert ENDPOINT_NAME.fullmatch(name) and len(name) <= 63
    # And the scalable target is the new endpoint's variant, so it is replaced along with it
    target = stack.resources["SummarizerScalableTarget"].properties
    assert target["ResourceId"] == f"endpoint/{name}/variant/AllTraffic"


def test_the_same_instance_type_keeps_the_endpoint_so_a_new_model_updates_it_in_place():
    before = load_stack(parameter_overrides={"ModelDataUrl": "s3://artifacts/precis/model-aaaa.tar.gz"})
    after = load_stack(parameter_overrides={"ModelDataUrl": "s3://artifacts/precis/model-bbbb.tar.gz"})
    assert before.outputs["EndpointName"] == after.outputs["EndpointName"]


def test_the_endpoint_role_may_log_for_whichever_endpoint_the_type_names():
    stack = load_stack(parameter_overrides={"InstanceType": "ml.g5.2xlarge"})
    name = stack.outputs["EndpointName"]
    (policy,) = stack.resources["SummarizerExecutionRole"].properties["Policies"]
    (logs,) = [s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "ContainerLogs"]
    group = stack.arn("logs", f"log-group:/aws/sagemaker/Endpoints/{name}")
    assert all(
        any(fnmatch.fnmatchcase(arn, pattern) for pattern in logs["Resource"])
        for arn in (group, f"{group}:log-stream:AllTraffic/i-0123456789abcdef0")
    )


def test_a_deploy_keeps_the_instance_count_autoscaling_chose(properties):
    # Without it every UpdateEndpoint resets the variant to InitialInstanceCount
    assert properties("SummarizerEndpoint")["RetainAllVariantProperties"] is True


def test_scaling_policies_are_created_one_after_the_other(resources):
    # Given Application Auto Scaling rejects concurrent changes to one scalable target
    policies = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::ApplicationAutoScaling::ScalingPolicy"
        and resource["Properties"]["ScalingTargetId"] == {"Ref": "SummarizerScalableTarget"}
    ]
    assert len(policies) >= 2

    def waits_for(first: str, then: str) -> bool:
        depends = resources[first].get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else depends
        return then in depends or any(waits_for(d, then) for d in depends if d in resources)

    # Then of every two policies, one waits for the other
    unordered = [
        (a, b) for a, b in itertools.combinations(policies, 2) if not (waits_for(a, b) or waits_for(b, a))
    ]
    assert unordered == []


def test_start_up_timeouts_leave_room_for_pegasus_within_the_api_range(properties):
    (variant,) = properties("SummarizerEndpointConfig")["ProductionVariants"]
    download = variant["ModelDataDownloadTimeoutInSeconds"]
    healthy = variant["ContainerStartupHealthCheckTimeoutInSeconds"]
    assert 60 <= download <= 3600 and 60 <= healthy <= 3600
    # A 2.3 GB checkpoint to fetch and unpack; a pip install, a Hub download and a GPU load before /ping
    assert download >= 15 * 60 and healthy >= 25 * 60


@pytest.mark.parametrize(
    "logical_id",
    [
        "InputBucket",
        "OutputBucket",
        "SummariesTable",
        "SubmitDeadLetterQueue",
        "RecordDeadLetterQueue",
        "AnalyticsDeadLetterQueue",
        "ReconcileDeadLetterQueue",
    ],
)
def test_data_survives_the_stack_being_deleted_or_replaced(resources, logical_id):
    # `precis delete` removes these itself, after the stack, unless --keep-data. RetainExceptOnCreate
    # retains them on every delete or replacement but the rollback of the create that made them, so a
    # failed first deploy leaves no name behind for its retry to trip over.
    resource = resources[logical_id]
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")


def test_every_bucket_table_and_queue_is_retained_but_the_athena_results_scratch(resources):
    # A bucket, table or queue added later must choose: retained (data), or deleted on purpose (scratch,
    # which `precis delete` empties first, even with --keep-data, so that CloudFormation can delete it)
    stateful = {"AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::SQS::Queue"}
    policies = {
        logical_id: (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy"))
        for logical_id, resource in resources.items()
        if resource["Type"] in stateful
    }
    scratch = {
        logical_id for logical_id, policy in policies.items() if policy != ("RetainExceptOnCreate", "Retain")
    }
    assert scratch == {"AthenaResultsBucket"}, policies
    assert policies["AthenaResultsBucket"] == ("Delete", "Delete")


def test_the_summaries_table_refuses_deletion_until_protection_is_turned_off(properties):
    assert properties("SummariesTable")["DeletionProtectionEnabled"] is True


RESULTS_GOING_NOWHERE = ["RequestDownloadFailures", "ResponseUploadFailures", "NotificationFailures"]


@pytest.mark.parametrize("metric", RESULTS_GOING_NOWHERE)
def test_an_alarm_fires_on_the_first_result_that_goes_nowhere(resources, metric):
    (alarm,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("MetricName") == metric
    ]
    # Published per variant, with a Sum statistic (AWS's async inference monitoring page)
    assert alarm["Namespace"] == "AWS/SageMaker"
    assert alarm["Dimensions"] == [
        {"Name": "EndpointName", "Value": {"Fn::GetAtt": ["SummarizerEndpoint", "EndpointName"]}},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Sum",
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == {
        "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
    }


def test_the_dashboard_shows_results_going_nowhere():
    stack = load_stack()
    body = json.loads(stack.resources["Dashboard"].properties["DashboardBody"])
    plotted = [metric for widget in body["widgets"] for metric in widget["properties"].get("metrics", [])]
    endpoint = stack.outputs["EndpointName"]
    for name in RESULTS_GOING_NOWHERE:
        assert ["AWS/SageMaker", name, "EndpointName", endpoint, "VariantName", "AllTraffic"] in plotted


def _layer_pins() -> dict[str, str]:
    lines = (paths.project_root() / "layers" / "core" / "requirements.txt").read_text().splitlines()
    requirements = [Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip()]
    pinned = [r for r in requirements if str(r.specifier).startswith("==")]
    return {r.name: str(r.specifier).removeprefix("==") for r in pinned}


def test_the_layer_ships_boto3_with_the_botocore_of_its_own_release():
    # Given the layer ships botocore (aws-xray-sdk requires it), which shadows the runtime's
    pins = _layer_pins()
    # Then it ships boto3 too, pinned to exactly the botocore that boto3 release requires
    assert pins["boto3"] == pins["botocore"]
    # (boto3 X.Y.Z requires botocore >=X.Y.Z,<X.(Y+1).0, as the installed release shows)
    installed = version("boto3")
    (botocore,) = [r for r in map(Requirement, requires("boto3")) if r.name == "botocore" and not r.marker]
    major, minor, _ = installed.split(".")
    assert botocore.specifier == SpecifierSet(f">={installed},<{major}.{int(minor) + 1}.0")


@pytest.mark.parametrize(
    ("region", "image", "repository"),
    [
        ("us-east-1", "", "arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-inference"),
        (
            "eu-west-1",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/precis-summarizer:1.0",
            "arn:aws:ecr:eu-west-1:123456789012:repository/precis-summarizer",
        ),
        (
            "eu-west-1",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/research/precis/summarizer:2026-11",
            "arn:aws:ecr:eu-west-1:123456789012:repository/research/precis/summarizer",
        ),
        (
            "cn-north-1",
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/research/summarizer:1.0",
            "arn:aws-cn:ecr:cn-north-1:123456789012:repository/research/summarizer",
        ),
    ],
)
def test_the_endpoint_may_pull_exactly_the_repository_of_its_image(region, image, repository):
    stack = load_stack(region=region, parameter_overrides={"ImageUri": image})
    (policy,) = stack.resources["SummarizerExecutionRole"].properties["Policies"]
    (pull,) = [s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "PullInferenceImage"]
    assert pull["Resource"] == repository
    image_used = stack.resources["SummarizerModel"].properties["PrimaryContainer"]["Image"]
    assert image_used.split("/", 1)[1].rsplit(":", 1)[0] == repository.split(":repository/")[1]

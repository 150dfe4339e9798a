"""The template resolver: what CloudFormation would deploy from a SAM template, for the local stack."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from precis import paths
from precis.template import (
    TemplateError,
    generated_name,
    load_stack,
    load_template,
    local_outputs,
    merge_globals,
)

TEMPLATE = textwrap.dedent("""
    AWSTemplateFormatVersion: '2010-09-09'
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      Stage:
        Type: String
        Default: dev
        AllowedValues: [dev, prod]
      EnableTracing:
        Type: String
        Default: 'false'
      MaxInstances:
        Type: Number
        Default: 5
      Zones:
        Type: CommaDelimitedList
        Default: a,b,c
    Conditions:
      IsProd: !Equals [!Ref Stage, prod]
      TracingOn: !Equals [!Ref EnableTracing, 'true']
      NotProd: !Not [!Condition IsProd]
      ProdAndTracing: !And [!Condition IsProd, !Condition TracingOn]
      ProdOrTracing: !Or [!Condition IsProd, !Condition TracingOn]
    Globals:
      Function:
        Runtime: python3.12
        MemorySize: 256
        Layers: [!Ref SharedLayer]
        Environment:
          Variables:
            SUMMARIES_TABLE: !Ref SummariesTable
            POWERTOOLS_SERVICE_NAME: precis
            PRECIS_TRACING: !If [TracingOn, 'true', !Ref AWS::NoValue]
    Resources:
      InputBucket:
        Type: AWS::S3::Bucket
        Properties:
          BucketName: !Sub '${AWS::StackName}-input-${AWS::AccountId}'
          VersioningConfiguration: {Status: Enabled}
      OutputBucket:
        Type: AWS::S3::Bucket
      SuccessTopic:
        Type: AWS::SNS::Topic
      SubmitDeadLetterQueue:
        Type: AWS::SQS::Queue
        Properties:
          QueueName: !Join ['-', [!Ref AWS::StackName, submit, dlq]]
      SummariesTable:
        Type: AWS::DynamoDB::Table
        Properties:
          KeySchema: [{AttributeName: document_id, KeyType: HASH}]
      SharedLayer:
        Type: AWS::Serverless::LayerVersion
        Properties: {ContentUri: layers/core}
      ProdOnlyTopic:
        Type: AWS::SNS::Topic
        Condition: IsProd
      SummarizerEndpoint:
        Type: AWS::SageMaker::Endpoint
        Properties:
          EndpointConfigName: x
      SubmitFunction:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.handler
          MemorySize: 512
          Layers: [extra]
          Environment:
            Variables:
              ENDPOINT_NAME: !GetAtt SummarizerEndpoint.EndpointName
              POWERTOOLS_SERVICE_NAME: submit
              FIRST_ZONE: !Select [0, !Ref Zones]
              PARTS: !Select [1, !Split [':', 'a:b:c']]
              WHERE: !Sub
                - 's3://${Bucket}/${Prefix}${!Literal}'
                - {Bucket: !Ref InputBucket, Prefix: incoming/}
              TOPIC: !GetAtt [SuccessTopic, TopicName]
              PROD: !If [IsProd, yes-prod, no-prod]
              CHECKS: !Sub '${AWS::Region}/${AWS::Partition}/${AWS::URLSuffix}'
              NOT_PROD: !If [NotProd, 'y', 'n']
              COMBINED: !If [ProdOrTracing, 'y', 'n']
          EventInvokeConfig:
            MaximumRetryAttempts: 1
            DestinationConfig:
              OnFailure: {Type: SQS, Destination: !GetAtt SubmitDeadLetterQueue.Arn}
          Role: !GetAtt SubmitFunctionRole.Arn
          Events:
            Upload:
              Type: S3
              Properties:
                Bucket: !Ref InputBucket
                Events: s3:ObjectCreated:*
    Outputs:
      InputBucketName:
        Value: !Ref InputBucket
      OutputBucketName:
        Value: !Ref OutputBucket
      SuccessTopicArn:
        Value: !Ref SuccessTopic
      QueueUrl:
        Value: !Ref SubmitDeadLetterQueue
      EndpointName:
        Value: !GetAtt SummarizerEndpoint.EndpointName
      ProdTopic:
        Condition: IsProd
        Value: !Ref ProdOnlyTopic
      SubmitFunctionName:
        Value: !Ref SubmitFunction
      SubmitFunctionArn:
        Value: !GetAtt SubmitFunction.Arn
""")


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return path


def test_explicit_names_and_pseudo_parameters_resolve(template: Path) -> None:
    stack = load_stack(template)

    assert stack.ref("InputBucket") == "precis-local-input-123456789012"
    assert stack.ref("SubmitDeadLetterQueue") == (
        "https://sqs.us-east-1.amazonaws.com/123456789012/precis-local-submit-dlq"
    )
    assert stack.get_att("SubmitDeadLetterQueue", "Arn") == (
        "arn:aws:sqs:us-east-1:123456789012:precis-local-submit-dlq"
    )
    assert stack.get_att("SubmitDeadLetterQueue", "QueueName") == "precis-local-submit-dlq"


def test_generated_names_are_cloudformation_like_and_deterministic(template: Path) -> None:
    first, second = load_stack(template), load_stack(template)

    bucket = first.ref("OutputBucket")
    assert bucket == second.ref("OutputBucket")
    assert bucket.startswith("precis-local-outputbucket-") and bucket == bucket.lower()
    assert first.ref("SubmitFunction").startswith("precis-local-SubmitFunction-")
    assert first.ref("SuccessTopic").startswith(
        "arn:aws:sns:us-east-1:123456789012:precis-local-SuccessTopic-"
    )
    assert first.ref("SummariesTable") != load_stack(template, stack_name="other").ref("SummariesTable")


def test_generated_names_respect_service_limits() -> None:
    name = generated_name("a-long-stack-name-for-tests", "AnEvenLongerLogicalIdOfABucket", "AWS::S3::Bucket")

    assert len(name) <= 63 and name == name.lower()


def test_globals_merge_into_functions_the_sam_way(template: Path) -> None:
    stack = load_stack(template)
    function = stack.resources["SubmitFunction"].properties
    variables = function["Environment"]["Variables"]

    assert function["Runtime"] == "python3.12"
    assert function["MemorySize"] == 512
    assert function["Layers"] == [stack.ref("SharedLayer"), "extra"]
    assert stack.ref("SharedLayer").startswith("arn:aws:lambda:us-east-1:123456789012:layer:")
    assert variables["POWERTOOLS_SERVICE_NAME"] == "submit"
    assert variables["SUMMARIES_TABLE"] == stack.ref("SummariesTable")
    assert "PRECIS_TRACING" not in variables


def test_intrinsics_evaluate(template: Path) -> None:
    variables = load_stack(template).resources["SubmitFunction"].properties["Environment"]["Variables"]

    assert variables["ENDPOINT_NAME"].startswith("precis-local-SummarizerEndpoint-")
    assert variables["FIRST_ZONE"] == "a"
    assert variables["PARTS"] == "b"
    assert variables["WHERE"] == "s3://precis-local-input-123456789012/incoming/${Literal}"
    assert variables["TOPIC"].startswith("precis-local-SuccessTopic-")
    assert variables["PROD"] == "no-prod"
    assert variables["CHECKS"] == "us-east-1/aws/amazonaws.com"
    assert variables["NOT_PROD"] == "y"
    assert variables["COMBINED"] == "n"


def test_parameter_overrides_drive_conditions(template: Path) -> None:
    stack = load_stack(template, parameter_overrides={"Stage": "prod", "EnableTracing": "true"})
    variables = stack.resources["SubmitFunction"].properties["Environment"]["Variables"]

    assert "ProdOnlyTopic" in stack.resources
    assert stack.outputs["ProdTopic"].startswith("arn:aws:sns:")
    assert variables["PRECIS_TRACING"] == "true"
    assert variables["COMBINED"] == "y"
    assert stack.parameters["Stage"] == "prod"


def test_resources_with_false_conditions_are_left_out(template: Path) -> None:
    stack = load_stack(template)

    assert "ProdOnlyTopic" not in stack.resources
    assert "ProdTopic" not in stack.outputs


def test_outputs_are_resolved_like_describe_stacks(template: Path) -> None:
    outputs = local_outputs(template)

    assert outputs["InputBucketName"] == "precis-local-input-123456789012"
    assert outputs["EndpointName"].startswith("precis-local-SummarizerEndpoint-")
    function_name = outputs["SubmitFunctionName"]
    assert outputs["SubmitFunctionArn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"


def test_lambda_destinations_and_implicit_roles_resolve(template: Path) -> None:
    function = load_stack(template).resources["SubmitFunction"].properties

    assert function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"].endswith(
        ":precis-local-submit-dlq"
    )
    assert function["Role"].startswith("arn:aws:iam::123456789012:role/precis-local-SubmitFunctionRole-")
    assert function["Events"]["Upload"]["Properties"]["Bucket"] == "precis-local-input-123456789012"


def test_bad_parameters_and_references_fail_clearly(template: Path, tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="not one of"):
        load_stack(template, parameter_overrides={"Stage": "qa"})
    with pytest.raises(TemplateError, match="unknown parameter"):
        load_stack(template, parameter_overrides={"Nope": "1"})
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: {A: {Type: AWS::SNS::Topic, Properties: {TopicName: !Ref Missing}}}\n")
    with pytest.raises(TemplateError, match="Missing"):
        load_stack(broken)


def test_merge_globals_treats_intrinsics_as_values() -> None:
    assert merge_globals({"A": {"Ref": "X"}}, {"A": {"Ref": "Y"}}) == {"A": {"Ref": "Y"}}
    assert merge_globals({"A": {"B": 1, "C": 2}}, {"A": {"C": 3}}) == {"A": {"B": 1, "C": 3}}
    assert merge_globals([1], [2]) == [1, 2]


def test_allowed_pattern_is_enforced(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Parameters: {Url: {Type: String, Default: 's3://b/k', AllowedPattern: '^s3://.+$'}}\n"
        "Resources: {T: {Type: AWS::SNS::Topic}}\n"
    )

    assert load_stack(path).parameters["Url"] == "s3://b/k"
    with pytest.raises(TemplateError, match="does not match"):
        load_stack(path, parameter_overrides={"Url": "http://x"})


def test_the_project_template_resolves_with_its_contract_names() -> None:
    stack = load_stack()
    async_config = stack.resources["SummarizerEndpointConfig"].properties["AsyncInferenceConfig"]
    output_config = async_config["OutputConfig"]

    # Every output the template declares (tests/template checks which) resolves to a plain value
    assert set(stack.outputs) == set(load_template(paths.template_path())["Outputs"])
    assert all(isinstance(value, str) and value for value in stack.outputs.values()), stack.outputs
    assert output_config["NotificationConfig"]["SuccessTopic"] == stack.outputs["SuccessTopicArn"]
    assert output_config["S3OutputPath"] == f"s3://{stack.outputs['OutputBucketName']}/async-output/"
    assert (
        stack.resources["SubmitFunction"].properties["Environment"]["Variables"]["ENDPOINT_NAME"]
        == (stack.outputs["EndpointName"])
    )

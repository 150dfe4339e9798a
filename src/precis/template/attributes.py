"""What `Ref` and `Fn::GetAtt` return for each resource type, from a resource's physical name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from precis.template.document import TemplateError
from precis.template.names import uuid_like

if TYPE_CHECKING:
    from precis.template.stack import Stack


def ref_value(stack: Stack, logical_id: str, resource_type: str) -> str:
    """What `Ref` returns for a resource: a bucket's name, a topic's ARN, a queue's URL, ..."""
    name = stack.physical_name(logical_id)
    if resource_type == "AWS::SNS::Topic":
        return stack.arn("sns", name)
    if resource_type == "AWS::SQS::Queue":
        return f"https://sqs.{stack.region}.amazonaws.com/{stack.account_id}/{name}"
    if resource_type == "AWS::SageMaker::Model":
        return stack.arn("sagemaker", f"model/{name.lower()}")
    if resource_type == "AWS::SageMaker::EndpointConfig":
        return stack.arn("sagemaker", f"endpoint-config/{name.lower()}")
    if resource_type == "AWS::SageMaker::Endpoint":
        return stack.arn("sagemaker", f"endpoint/{name.lower()}")
    if resource_type in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
        return stack.arn("lambda", f"layer:{name}:1")
    if resource_type == "AWS::ApplicationAutoScaling::ScalableTarget":
        return scalable_target_id(stack.resources[logical_id].properties)
    if resource_type == "AWS::KMS::Key":
        return uuid_like(f"{stack.name}/{logical_id}")
    if resource_type == "AWS::ApplicationAutoScaling::ScalingPolicy":
        return stack.arn("autoscaling", f"scalingPolicy:{uuid_like(logical_id)}:resource/{name}")
    return name


def get_att_value(stack: Stack, logical_id: str, resource_type: str, attribute: str) -> str:
    """What `Fn::GetAtt` returns for one attribute of a resource."""
    name = stack.physical_name(logical_id)
    region = stack.region
    table = {
        "AWS::S3::Bucket": {
            "Arn": lambda: f"arn:{stack.partition}:s3:::{name}",
            "DomainName": lambda: f"{name}.s3.amazonaws.com",
            "RegionalDomainName": lambda: f"{name}.s3.{region}.amazonaws.com",
            "WebsiteURL": lambda: f"http://{name}.s3-website-{region}.amazonaws.com",
        },
        "AWS::SNS::Topic": {"TopicArn": lambda: stack.arn("sns", name), "TopicName": lambda: name},
        "AWS::SQS::Queue": {
            "Arn": lambda: stack.arn("sqs", name),
            "QueueName": lambda: name,
            "QueueUrl": lambda: ref_value(stack, logical_id, resource_type),
        },
        "AWS::DynamoDB::Table": {
            "Arn": lambda: stack.arn("dynamodb", f"table/{name}"),
            "StreamArn": lambda: stack.arn("dynamodb", f"table/{name}/stream/1970-01-01T00:00:00.000"),
        },
        "AWS::Serverless::Function": {"Arn": lambda: stack.arn("lambda", f"function:{name}")},
        "AWS::Lambda::Function": {"Arn": lambda: stack.arn("lambda", f"function:{name}")},
        "AWS::IAM::Role": {
            "Arn": lambda: stack.arn("iam", f"role/{name}", region=False),
            "RoleId": lambda: "AROA" + uuid_like(logical_id).replace("-", "").upper()[:17],
        },
        "AWS::SageMaker::Model": {"ModelName": lambda: name},
        "AWS::SageMaker::EndpointConfig": {"EndpointConfigName": lambda: name},
        "AWS::SageMaker::Endpoint": {"EndpointName": lambda: name},
        "AWS::KMS::Key": {
            "Arn": lambda: stack.arn("kms", f"key/{ref_value(stack, logical_id, resource_type)}"),
            "KeyId": lambda: ref_value(stack, logical_id, resource_type),
        },
        "AWS::CloudWatch::Alarm": {"Arn": lambda: stack.arn("cloudwatch", f"alarm:{name}")},
        "AWS::Logs::LogGroup": {"Arn": lambda: stack.arn("logs", f"log-group:{name}:*")},
        "AWS::Events::Rule": {"Arn": lambda: stack.arn("events", f"rule/{name}")},
        "AWS::Scheduler::Schedule": {"Arn": lambda: stack.arn("scheduler", f"schedule/default/{name}")},
        "AWS::ApplicationAutoScaling::ScalingPolicy": {
            "Arn": lambda: ref_value(stack, logical_id, resource_type),
        },
    }
    if resource_type == "AWS::Serverless::SimpleTable":
        resource_type = "AWS::DynamoDB::Table"
    try:
        return table[resource_type][attribute]()
    except KeyError:
        raise TemplateError(f"GetAtt {logical_id}.{attribute} is not supported for {resource_type}") from None


def scalable_target_id(properties: dict) -> str:
    """A scalable target's Ref: its resource id, dimension and namespace joined by `|`."""
    keys = ("ResourceId", "ScalableDimension", "ServiceNamespace")
    return "|".join(str(properties.get(key)) for key in keys)

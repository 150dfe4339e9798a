"""A resolved stack: its parameters, resources with their properties, outputs and physical names, and
what `Ref` and `Fn::GetAtt` return for each resource type."""

from __future__ import annotations

from dataclasses import dataclass, field

from precis.template.document import TemplateError
from precis.template.names import partition_of, uuid_like


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    properties: dict


@dataclass(frozen=True)
class Stack:
    name: str
    region: str
    account_id: str
    parameters: dict[str, str]
    resources: dict[str, Resource]
    outputs: dict[str, str]
    physical_names: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def partition(self) -> str:
        return partition_of(self.region)[0]

    def physical_name(self, logical_id: str) -> str:
        try:
            return self.physical_names[logical_id]
        except KeyError:
            raise TemplateError(f"no resource {logical_id!r} in the template") from None

    def ref(self, logical_id: str) -> str:
        """What `Ref` returns for a resource: a bucket's name, a topic's ARN, a queue's URL, ..."""
        if logical_id in self.parameters:
            return self.parameters[logical_id]
        return ref_value(self, logical_id, self._type(logical_id))

    def get_att(self, logical_id: str, attribute: str) -> str:
        return get_att_value(self, logical_id, self._type(logical_id), attribute)

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )

    def of_type(self, resource_type: str) -> dict[str, Resource]:
        return {lid: r for lid, r in self.resources.items() if r.type == resource_type}

    def _type(self, logical_id: str) -> str:
        if logical_id in self.resources:
            return self.resources[logical_id].type
        function_id = logical_id.removesuffix("Role")
        if function_id != logical_id and self.resources.get(function_id, Resource("", "", {})).type == (
            "AWS::Serverless::Function"
        ):
            return "AWS::IAM::Role"  # the execution role SAM adds for a function without Role
        raise TemplateError(f"no resource {logical_id!r} in the template")


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

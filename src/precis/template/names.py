"""The names CloudFormation gives resources: each type's name property, the generated
`<stack>-<LogicalId>-<SUFFIX>` names, and the partition of a region."""

from __future__ import annotations

import base64
import hashlib

NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Serverless::SimpleTable": "TableName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::LayerVersion": "LayerName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::SageMaker::Model": "ModelName",
    "AWS::SageMaker::EndpointConfig": "EndpointConfigName",
    "AWS::SageMaker::Endpoint": "EndpointName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Events::Rule": "Name",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "PolicyName",
    "AWS::KMS::Alias": "AliasName",
}

# Names CloudFormation generates are capped by the service; buckets must also be lower case.
_NAME_LIMIT = {
    "AWS::S3::Bucket": 63,
    "AWS::SQS::Queue": 80,
    "AWS::Serverless::Function": 64,
    "AWS::Lambda::Function": 64,
    "AWS::SageMaker::Model": 63,
    "AWS::SageMaker::EndpointConfig": 63,
    "AWS::SageMaker::Endpoint": 63,
    "AWS::IAM::Role": 64,
}


def generated_name(stack_name: str, logical_id: str, resource_type: str) -> str:
    """CloudFormation's `<stack>-<LogicalId>-<SUFFIX>`, with a suffix derived from both so it is stable."""
    digest = hashlib.sha256(f"{stack_name}/{logical_id}".encode()).digest()
    suffix = base64.b32encode(digest).decode()[:13]
    limit = _NAME_LIMIT.get(resource_type, 128)
    prefix = f"{stack_name}-{logical_id}"[: limit - len(suffix) - 1]
    name = f"{prefix}-{suffix}"
    return name.lower() if resource_type == "AWS::S3::Bucket" else name


def partition_of(region: str) -> tuple[str, str]:
    """What AWS::Partition and AWS::URLSuffix are in a region."""
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


def uuid_like(seed: str) -> str:
    """A stable UUID-shaped id derived from `seed`, where AWS would return a random one."""
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"

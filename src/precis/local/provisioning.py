"""The template's resources created in moto's server, and each function's event plumbing.

Everything moto can serve comes from the resolved template (queues, topics, buckets, the table,
alarms, the dashboard), never declared by hand. Then each function's event queue, its SNS
subscriptions and the buckets' S3 notifications, as `wiring` built them. Provisioning again is harmless:
a bucket or table restored from the stack's data (precis.local.persistence) is kept with its contents
and given the template's configuration; everything else is created or put again as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from precis.local.wiring import FunctionWiring
from precis.template import Resource, Stack, cfn_string

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import LifecycleRuleTypeDef
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

ClientFor = Callable[[str], Any]


def provision(stack: Stack, client_for: ClientFor, functions: list[FunctionWiring]) -> None:
    """Creates every resource moto can serve from the resolved template, and the functions' event plumbing.

    Independent resources are created concurrently (moto's server is threaded); the functions' event
    queues, subscriptions and bucket notifications follow, as they refer to those.
    """
    sqs, sns, s3 = client_for("sqs"), client_for("sns"), client_for("s3")
    dynamodb, cloudwatch = client_for("dynamodb"), client_for("cloudwatch")
    # Each resource type's creator and the client it takes (typed where each creator is declared).
    creators: dict[str, tuple[Callable[[Any, Stack, Resource], None], Any]] = {
        "AWS::SQS::Queue": (_create_queue, sqs),
        "AWS::SNS::Topic": (_create_topic, sns),
        "AWS::S3::Bucket": (_create_bucket, s3),
        "AWS::DynamoDB::Table": (_create_table, dynamodb),
        "AWS::CloudWatch::Alarm": (_create_alarm, cloudwatch),
        "AWS::CloudWatch::Dashboard": (_create_dashboard, cloudwatch),
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = [
            pool.submit(create, client, stack, resource)
            for resource_type, (create, client) in creators.items()
            for resource in stack.of_type(resource_type).values()
        ]
        for future in created:
            future.result()
        for future in [pool.submit(_create_event_queue, function, sqs, sns) for function in functions]:
            future.result()
    _notify_of_uploads(functions, s3)


def _create_event_queue(function: FunctionWiring, sqs: SQSClient, sns: SNSClient) -> None:
    """The function's event queue and its SNS subscriptions (SNS → SQS, delivered in SNS's envelope)."""
    sqs.create_queue(
        QueueName=function.event_queue_name,
        Attributes={"VisibilityTimeout": str(function.event_queue_visibility_seconds)},
    )
    for subscription in function.subscriptions:
        request: dict[str, Any] = {
            "TopicArn": subscription.topic_arn,
            "Protocol": "sqs",
            "Endpoint": function.event_queue_arn,
        }
        if subscription.filter_policy:
            request["Attributes"] = {"FilterPolicy": json.dumps(subscription.filter_policy)}
        sns.subscribe(**request)


def _notify_of_uploads(functions: list[FunctionWiring], s3: S3Client) -> None:
    """S3 → SQS notifications to each function's event queue; one configuration call per bucket."""
    per_bucket: dict[str, list[Any]] = {}  # wiring's configurations, in S3's QueueConfiguration shape
    for function in functions:
        for notification in function.notifications:
            per_bucket.setdefault(notification.bucket, []).append(notification.configuration)
    for bucket, queue_configurations in per_bucket.items():
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": queue_configurations}
        )


def _create_topic(sns: SNSClient, stack: Stack, resource: Resource) -> None:
    sns.create_topic(
        Name=stack.physical_name(resource.logical_id),
        Attributes=_strings(resource.properties, "DisplayName", "FifoTopic"),
    )


def _create_alarm(cloudwatch: CloudWatchClient, stack: Stack, resource: Resource) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName=stack.physical_name(resource.logical_id), **_alarm(resource.properties)
    )


def _create_dashboard(cloudwatch: CloudWatchClient, stack: Stack, resource: Resource) -> None:
    cloudwatch.put_dashboard(
        DashboardName=stack.physical_name(resource.logical_id),
        DashboardBody=resource.properties["DashboardBody"],
    )


def _strings(properties: dict, *keys: str) -> dict[str, str]:
    return {key: cfn_string(properties[key]) for key in keys if key in properties}


def _create_queue(sqs: SQSClient, stack: Stack, resource: Resource) -> None:
    properties = resource.properties
    attributes = _strings(
        properties,
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "FifoQueue",
        "ContentBasedDeduplication",
        "SqsManagedSseEnabled",
    )
    if "RedrivePolicy" in properties:
        attributes["RedrivePolicy"] = json.dumps(properties["RedrivePolicy"])
    # The template's property names are SQS's attribute names.
    named = cast("dict[QueueAttributeNameType, str]", attributes)
    sqs.create_queue(QueueName=stack.physical_name(resource.logical_id), Attributes=named)


def _create_bucket(s3: S3Client, stack: Stack, resource: Resource) -> None:
    name, properties = stack.physical_name(resource.logical_id), resource.properties
    location: dict[str, Any] = (
        {}
        if stack.region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": stack.region}}
    )
    try:
        s3.create_bucket(Bucket=name, **location)
    except ClientError as error:  # restored from the stack's data: already there
        if error.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    if properties.get("VersioningConfiguration"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=properties["VersioningConfiguration"])
    encryption = properties.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration")
    if encryption:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                    for rule in encryption
                ]
            },
        )
    rules = properties.get("LifecycleConfiguration", {}).get("Rules")
    if rules:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in rules]}
        )


def _lifecycle_rule(rule: dict) -> LifecycleRuleTypeDef:
    """CloudFormation's lifecycle rule shape in the S3 API's shape."""
    converted: LifecycleRuleTypeDef = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        converted["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        }
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    return converted


def _create_table(dynamodb: DynamoDBClient, stack: Stack, resource: Resource) -> None:
    properties = resource.properties
    request: dict[str, Any] = {
        "TableName": stack.physical_name(resource.logical_id),
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    indexes = [
        {
            key: value
            for key, value in index.items()
            if key in ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
        }
        for index in properties.get("GlobalSecondaryIndexes", [])
    ]
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = _integers(
            properties.get("ProvisionedThroughput") or {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    if properties.get("StreamSpecification"):
        request["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
    try:
        dynamodb.create_table(**request)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and str(ttl.get("Enabled")).lower() == "true":
        dynamodb.update_time_to_live(
            TableName=request["TableName"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )


def _integers(values: dict) -> dict:
    return {key: int(value) for key, value in values.items()}


def _alarm(properties: dict) -> dict:
    allowed = (
        "AlarmDescription",
        "ActionsEnabled",
        "OKActions",
        "AlarmActions",
        "InsufficientDataActions",
        "MetricName",
        "Namespace",
        "Statistic",
        "ExtendedStatistic",
        "Dimensions",
        "Period",
        "Unit",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
        "EvaluateLowSampleCountPercentile",
        "Metrics",
        "ThresholdMetricId",
    )
    request = {key: properties[key] for key in allowed if key in properties}
    for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if key in request:
            request[key] = int(request[key])
    if "Threshold" in request:
        request["Threshold"] = float(request["Threshold"])
    return request

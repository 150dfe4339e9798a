"""Where an inference's result goes: the S3 objects, the SNS notifications and the CloudWatch metrics."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from precis.local.sagemaker.endpoint_settings import EndpointSettings
from precis.scaling.metrics import NAMESPACE, MinuteMetrics

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.type_defs import DimensionTypeDef, MetricDatumTypeDef
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient

FAILURE_CONTENT_TYPE = "text/plain; charset=utf-8"


class InputLocationError(ValueError):
    """The InputLocation is not an s3:// URI this endpoint can read."""


@dataclass(frozen=True)
class AsyncRequest:
    """One accepted InvokeEndpointAsync call, with the locations returned to the caller."""

    inference_id: str
    input_location: str
    output_location: str
    failure_location: str | None
    content_type: str | None
    accept: str | None
    custom_attributes: str | None
    received_at: datetime
    number: int | None = None
    """The request's row in the endpoint's journal, once it has one."""


@dataclass(frozen=True)
class RequestResult:
    """How a request ended: the content type of its output, or why it failed."""

    content_type: str | None = None
    failure_reason: str | None = None

    @property
    def completed(self) -> bool:
        return self.failure_reason is None


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def split_s3_uri(uri: str) -> tuple[str, str]:
    """Bucket and key, the key exactly as written: not through urlparse, which drops tabs and line breaks
    and reads `?` and `#` in a key as a query and a fragment."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key:
        raise InputLocationError(f"{uri!r} is not an s3://bucket/key URI")
    return bucket, key


class AsyncResults:
    """Talks to S3, SNS and CloudWatch (moto's server locally); clients are injected."""

    def __init__(
        self, settings: EndpointSettings, *, s3: S3Client, sns: SNSClient, cloudwatch: CloudWatchClient
    ) -> None:
        self.settings = settings
        self._s3 = s3
        self._sns = sns
        self._cloudwatch = cloudwatch

    def read_input(self, request: AsyncRequest) -> bytes:
        bucket, key = split_s3_uri(request.input_location)
        return self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def write_output(self, request: AsyncRequest, body: bytes, content_type: str) -> None:
        bucket, key = split_s3_uri(request.output_location)
        self._s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)

    def write_failure(self, request: AsyncRequest, reason: str) -> None:
        """The failure object, when the endpoint has an S3FailurePath."""
        if request.failure_location:
            bucket, key = split_s3_uri(request.failure_location)
            self._s3.put_object(
                Bucket=bucket, Key=key, Body=reason.encode(), ContentType=FAILURE_CONTENT_TYPE
            )

    def notify(self, request: AsyncRequest, result: RequestResult) -> None:
        """SageMaker's InferenceResult message on the success or error topic (if the endpoint has one)."""
        if result.completed:
            topic = self.settings.success_topic
            message = self._message(request, "Completed")
            message["responseParameters"] = {
                "contentType": result.content_type,
                "outputLocation": request.output_location,
            }
        else:
            topic = self.settings.error_topic
            message = self._message(request, "Failed")
            message["failureReason"] = result.failure_reason
            message["responseParameters"] = {"contentType": FAILURE_CONTENT_TYPE}
            if request.failure_location:
                message["responseParameters"]["failureLocation"] = request.failure_location
        if topic:
            self._sns.publish(TopicArn=topic, Message=json.dumps(message))

    def put_metrics(self, metrics: MinuteMetrics, at: datetime) -> None:
        endpoint: list[DimensionTypeDef] = [{"Name": "EndpointName", "Value": self.settings.endpoint_name}]
        variant = endpoint + [{"Name": "VariantName", "Value": self.settings.variant_name}]
        data: list[MetricDatumTypeDef] = [
            {"MetricName": name, "Dimensions": endpoint, "Timestamp": at, "Value": value, "Unit": unit}
            for name, value, unit in metrics.endpoint_datapoints()
        ]
        data += [
            {"MetricName": name, "Dimensions": variant, "Timestamp": at, "Value": value, "Unit": unit}
            for name, value, unit in metrics.variant_datapoints()
        ]
        self._cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)

    def _message(self, request: AsyncRequest, status: str) -> dict:
        parameters = {"endpointName": self.settings.endpoint_name, "inputLocation": request.input_location}
        if request.content_type:
            parameters["contentType"] = request.content_type
        return {
            "awsRegion": self.settings.region,
            "eventTime": timestamp(datetime.now(UTC)),
            "receivedTime": timestamp(request.received_at),
            "invocationStatus": status,
            "requestParameters": parameters,
            "inferenceId": request.inference_id,
            "eventVersion": "1.0",
            "eventSource": "aws:sagemaker",
            "eventName": "InferenceResult",
        }

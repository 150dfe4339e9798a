"""AWS clients, built once per Lambda container and only when first asked for.

boto3 ≥ 1.28 reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> itself, so the local stack
redirects these clients without any endpoint in the code.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

if TYPE_CHECKING:  # the stubs are a dev dependency: the layer needs none of them at run time
    from botocore.config import _RetryDict
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

# Standard mode: throttling and 5xx retried with jittered backoff, 3 attempts in all (its default).
RETRY_CONFIG: _RetryDict = {"mode": "standard", "total_max_attempts": 3}
# Short socket timeouts: a hung call fails (and is retried) well inside the function's timeout.


class ClientFactory(Protocol):
    """`client(service)`: a boto3 client for each service the services use (aws_client, or the CLI's)."""

    @overload
    def __call__(self, service: Literal["s3"], /) -> S3Client: ...
    @overload
    def __call__(self, service: Literal["dynamodb"], /) -> DynamoDBClient: ...
    @overload
    def __call__(self, service: Literal["sagemaker-runtime"], /) -> SageMakerRuntimeClient: ...


@overload
def aws_client(service: Literal["s3"]) -> S3Client: ...
@overload
def aws_client(service: Literal["dynamodb"]) -> DynamoDBClient: ...
@overload
def aws_client(service: Literal["sagemaker-runtime"]) -> SageMakerRuntimeClient: ...
@cache
def aws_client(service: str) -> Any:
    """The container's one client for `service` ("s3", "dynamodb", "sagemaker-runtime")."""
    import boto3
    from botocore.config import Config

    config = Config(retries=RETRY_CONFIG.copy(), connect_timeout=5, read_timeout=15)
    # boto3's stubs type client() per literal service name; this one name is checked by the overloads above.
    return boto3.client(service, config=config)  # type: ignore[call-overload]

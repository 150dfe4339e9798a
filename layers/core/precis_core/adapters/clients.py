"""AWS clients, built once per Lambda container and only when first asked for.

boto3 ≥ 1.28 reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> itself, so the local stack
redirects these clients without any endpoint in the code.
"""

from __future__ import annotations

from functools import cache
from typing import Any

# Standard mode: throttling and 5xx retried with jittered backoff, 3 attempts in all (its default).
RETRY_CONFIG = {"mode": "standard", "total_max_attempts": 3}
# Short socket timeouts: a hung call fails (and is retried) well inside the function's timeout.


@cache
def aws_client(service: str) -> Any:
    """The container's one client for `service` ("s3", "dynamodb", "sagemaker-runtime")."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service, config=Config(retries=dict(RETRY_CONFIG), connect_timeout=5, read_timeout=15)
    )

"""The SageMaker asynchronous endpoint: one InvokeEndpointAsync per article, errors classified.

Throttling and 5xx are retried by botocore (standard mode) inside the call; what still fails is
`EndpointUnavailable` (raise, so Lambda retries). A validation error cannot succeed on retry and
becomes `EndpointRejected`, which the submit service records as FAILED.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from precis_core.models import AcceptedInference, EndpointRejected, EndpointUnavailable

# Errors that say the request itself is wrong (or names something that does not exist).
NON_RETRYABLE = frozenset({"ValidationError", "ValidationException"})


class SummarizerEndpoint:
    """Sends articles to the async endpoint through an injected `boto3.client("sagemaker-runtime")`."""

    def __init__(
        self, client: Any, endpoint_name: str, request_ttl_seconds: int, invocation_timeout_seconds: int
    ) -> None:
        self._client = client
        self.endpoint_name = endpoint_name
        self.request_ttl_seconds = request_ttl_seconds
        self.invocation_timeout_seconds = invocation_timeout_seconds

    def invoke(
        self, input_location: str, content_type: str, inference_id: str, custom_attributes: str | None = None
    ) -> AcceptedInference:
        """Queue one inference on the object itself (no copy); the summary arrives later via SNS.
        `custom_attributes` (the upload's summary settings) reach the container verbatim."""
        extra = {"CustomAttributes": custom_attributes} if custom_attributes else {}
        try:
            response = self._client.invoke_endpoint_async(
                EndpointName=self.endpoint_name,
                InputLocation=input_location,
                ContentType=content_type,
                Accept="application/json",
                InferenceId=inference_id,
                RequestTTLSeconds=self.request_ttl_seconds,
                InvocationTimeoutSeconds=self.invocation_timeout_seconds,
                **extra,
            )
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code", "")
            message = f"{code}: {details.get('Message', '')}".strip(": ")
            if code in NON_RETRYABLE:
                raise EndpointRejected(f"the endpoint rejected the request ({message})") from error
            raise EndpointUnavailable(f"the endpoint did not take the request ({message})") from error
        except BotoCoreError as error:
            raise EndpointUnavailable(f"the endpoint could not be reached ({error})") from error
        return AcceptedInference(
            inference_id=response.get("InferenceId") or inference_id,
            output_location=response["OutputLocation"],
            failure_location=response.get("FailureLocation"),
        )
